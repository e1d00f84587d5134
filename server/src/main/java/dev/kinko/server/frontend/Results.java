package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;

/** Turns a refused command's result back into the exception the API maps. */
final class Results {
    private Results() {}

    static CommandResult check(CommandResult result) {
        if (!result.getErrorReason().isEmpty()) {
            Reason reason;
            try {
                reason = Reason.valueOf(result.getErrorReason());
            } catch (IllegalArgumentException e) {
                reason = Reason.INTERNAL;
            }
            throw new KinkoException(reason, result.getErrorMessage(), result.getErrorDetailsMap());
        }
        return result;
    }
}
