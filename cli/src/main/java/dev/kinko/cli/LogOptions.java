package dev.kinko.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import java.net.URL;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How a node process logs ({@code kinko server}, {@code kinko dev}): text or JSON lines on
 * standard output, and the level of Apache Ratis's own loggers. {@link #apply()} configures
 * logback before the node logs its first line; an operator's own
 * {@code -Dlogback.configurationFile} wins over both options.
 *
 * <p>Only the Ratis level is adjustable here: {@code io.grpc} and {@code io.netty} stay at
 * WARN, since Netty's HTTP/2 frame logger dumps message bytes (secret values) at DEBUG.
 */
final class LogOptions {
    enum Format { text, json }

    /** The system property (and logback variable) behind --log-level-ratis. */
    static final String RATIS_LEVEL_PROPERTY = "kinko.log.ratis";
    static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = {"text (one line per event, for people) or json (one JSON object per line, for log "
                    + "collectors: timestamp, level, threadName, loggerName, message, formattedMessage, ...); "
                    + "default: ${DEFAULT-VALUE}."})
    Format format = Format.text;

    @Option(names = "--log-level-ratis", paramLabel = "LEVEL", defaultValue = "${sys:" + RATIS_LEVEL_PROPERTY + ":-WARN}",
            converter = LevelConverter.class,
            description = "Level of Apache Ratis's loggers: TRACE, DEBUG, INFO, WARN, ERROR or OFF "
                    + "(default: WARN, or the " + RATIS_LEVEL_PROPERTY + " system property).")
    String ratisLevel = "WARN";

    /** The same options for a node process that {@code kinko dev} starts. */
    List<String> args() {
        return List.of("--log-format", format.name(), "--log-level-ratis", ratisLevel);
    }

    void apply() {
        configure(format, ratisLevel);
    }

    /**
     * Resets logback to {@code logback.xml} (text) or {@code logback-json.xml}, with Ratis at
     * {@code ratisLevel}, and sends java.util.logging (gRPC) through it, so every line of a
     * node's output has the same format.
     */
    static void configure(Format format, String ratisLevel) {
        if (System.getProperty("logback.configurationFile") != null
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        URL config = LogOptions.class.getResource(format == Format.json ? "/logback-json.xml" : "/logback.xml");
        context.reset();
        context.putProperty(RATIS_LEVEL_PROPERTY, ratisLevel);
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        try {
            joran.doConfigure(config);
        } catch (JoranException e) {
            throw new CliException("cannot configure logging from " + config + ": " + e.getMessage());
        }
        for (Status s : context.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() == Status.ERROR) {
                throw new CliException("cannot configure logging from " + config + ": " + s.getMessage());
            }
        }
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    static final class LevelConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String level = value.toUpperCase(Locale.ROOT);
            if (!LEVELS.contains(level)) {
                throw new TypeConversionException("'" + value + "' is not a level (TRACE, DEBUG, INFO, WARN, ERROR, OFF)");
            }
            return level;
        }
    }
}
