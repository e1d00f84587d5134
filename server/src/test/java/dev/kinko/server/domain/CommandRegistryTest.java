package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.kinko.proto.raft.v1.Command;
import org.junit.jupiter.api.Test;

/** Every op of {@code Command} has its handler, and each handler is given its own op's message. */
class CommandRegistryTest {
    private final CommandApplier applier = new CommandApplier("tokyo");

    @Test
    void everyOpHasAHandler() {
        for (Command.OpCase op : Command.OpCase.values()) {
            if (op != Command.OpCase.OP_NOT_SET) {
                assertThat(applier.registered(op)).as("handler of %s", op).isNotNull();
            }
        }
        assertThat(applier.registered(Command.OpCase.OP_NOT_SET)).isNull();
    }

    @Test
    void eachHandlerReadsItsOwnOp() {
        for (Command.OpCase op : Command.OpCase.values()) {
            if (op == Command.OpCase.OP_NOT_SET) {
                continue;
            }
            FieldDescriptor field = Command.getDescriptor().findFieldByNumber(op.getNumber());
            Command command = Command.newBuilder().setField(field, Command.newBuilder().newBuilderForField(field).build())
                    .build();
            assertThat(command.getOpCase()).isEqualTo(op);
            // another op's getter would give that op's (empty) message: a different type, so not equal
            assertThat(applier.registered(op).operand().apply(command)).as("message given to the handler of %s", op)
                    .isEqualTo(command.getField(field));
        }
    }
}
