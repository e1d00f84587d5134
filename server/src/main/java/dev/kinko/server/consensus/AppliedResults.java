package dev.kinko.server.consensus;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kinko.proto.raft.v1.BatchResult;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * An applied entry's results as Ratis' reply message. The leader's own front end takes them as
 * they are (etcd's wait registry does the same), so they are encoded only when Ratis sends a
 * reply over the network; followers, whose replies nobody waits for, never encode them.
 */
final class AppliedResults implements Message {
    private final BatchResult results;
    private volatile ByteString content;

    AppliedResults(BatchResult results) {
        this.results = results;
    }

    BatchResult results() {
        return results;
    }

    @Override
    public ByteString getContent() {
        ByteString c = content;
        if (c == null) {
            c = UnsafeByteOperations.unsafeWrap(results.toByteArray()); // a fresh array nobody else holds
            content = c;
        }
        return c;
    }

    /** The results a reply carries: in memory when this node applied them, else decoded. */
    static BatchResult of(Message reply) throws InvalidProtocolBufferException {
        if (reply instanceof AppliedResults applied) {
            return applied.results();
        }
        return BatchResult.parseFrom(reply.getContent().asReadOnlyByteBuffer());
    }

    @Override
    public String toString() {
        return "AppliedResults(" + results.getResultsCount() + " results)";
    }
}
