package dev.kinko.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.kinko.client.KinkoClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a region: it gets a client for the target, the
 * output stream and the output format.
 */
abstract class ClientCommand implements Callable<Integer> {
    enum Output { table, json }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence();

    @Mixin
    Target target;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (for people) or json (stable and complete, for scripts; default: ${DEFAULT-VALUE}).")
    Output output;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    boolean json() {
        return output == Output.json;
    }

    /** The whole response as JSON with the .proto field names, one object. */
    void printJson(MessageOrBuilder message) {
        try {
            out().println(JSON.print(message));
        } catch (InvalidProtocolBufferException e) {
            throw new CliException("cannot print the response as JSON: " + e.getMessage());
        }
    }

    /**
     * One JSON object made of plain fields and a list of messages, each printed as
     * {@link #printJson(MessageOrBuilder)} prints it (e.g. {"region": ..., "links": [...]}).
     */
    void printJson(Map<String, String> fields, String listField, List<? extends MessageOrBuilder> items) {
        try {
            ObjectNode o = MAPPER.createObjectNode();
            fields.forEach(o::put);
            ArrayNode list = o.putArray(listField);
            for (MessageOrBuilder item : items) {
                list.add(MAPPER.readTree(JSON.print(item)));
            }
            out().println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } catch (IOException e) {
            throw new CliException("cannot print the response as JSON: " + e.getMessage());
        }
    }

    /** Held so the JUL logger (and its level) is not collected. */
    private static final java.util.logging.Logger CLIENT_LOGS = java.util.logging.Logger.getLogger("dev.kinko.client");

    /**
     * The client library reports an unreachable region on its logger (java.util.logging, two
     * lines on stderr); a command reports its own failure in one line, so only SEVERE gets through.
     */
    static void quietClientLogs() {
        CLIENT_LOGS.setLevel(java.util.logging.Level.SEVERE);
    }

    @Override
    public Integer call() throws Exception {
        quietClientLogs();
        try (KinkoClient client = target.client()) {
            run(client);
        }
        return 0;
    }

    abstract void run(KinkoClient client) throws Exception;
}
