package dev.kinko.server.domain.command;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;

/**
 * One kind of command, applied identically on every node. {@link #check} reads the state and
 * either refuses (a {@link dev.kinko.server.domain.KinkoException}) or returns what the writes
 * need; {@link #apply} makes the writes. Every refusal that can come before the first write
 * belongs in check, so apply does not refuse; the applier still holds a savepoint around both,
 * so a refused (or failing) command leaves nothing behind.
 *
 * @param <C> the command's own message (one case of {@code Command.op})
 * @param <P> what check found, for apply
 */
public interface CommandHandler<C, P> {
    /** Reads only, never writes: {@code state} is the applier's writer seen as a reader. */
    P check(C command, long now, StateReader state);

    CommandResult apply(C command, P checked, long now, StateWriter state);

    /** A command nothing refuses (a record of what already happened): check has nothing to find. */
    interface NeverRefused<C> extends CommandHandler<C, Void> {
        @Override
        default Void check(C command, long now, StateReader state) {
            return null;
        }
    }
}
