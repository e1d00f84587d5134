package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.consensus.GroupCommitter;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A promotion of more replicas than one chunk: the first entry fences the source and promotes
 * one chunk, and the rest is finished from the state by whichever node leads next, here after
 * the leader that started it is stopped.
 */
class ChunkedPromotionTest {
    static final int SECRETS = Limits.CHUNK_SECRETS + 1;

    @TempDir
    Path dir;

    @Test
    void aNewLeaderFinishesAPromotionItsFormerLeaderStarted() throws Exception {
        try (TestRegion osaka = TestRegion.builder("osaka", dir).purgeEverySecond().start();
             TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).link(osaka).start()) {
            createReplicated(tokyo, SECRETS);
            await().atMost(TestRegion.SETTLE.multipliedBy(2)).until(() -> replicasFrom(osaka, "tokyo") == SECRETS);

            int leader = osaka.awaitLeader();
            CommandResult first;
            try (GroupCommitter committer = new GroupCommitter(osaka.node(leader).raft())) {
                // the first entry alone, as the PromoteRegion RPC proposes it before it drives the rest
                first = committer.submit(Command.newBuilder().setTimestampMillis(System.currentTimeMillis())
                        .setPromoteRegion(PromoteRegionCommand.getDefaultInstance()).build()).get(30, TimeUnit.SECONDS);
            }
            assertThat(first.getErrorReason()).isEmpty();
            assertThat(first.getMore()).isTrue();
            assertThat(first.getCount()).isEqualTo(Limits.CHUNK_SECRETS);
            osaka.stopNode(leader);

            int next = osaka.awaitLeader();
            await().atMost(TestRegion.SETTLE).until(() -> osaka.node(next).raft().stateMachine().storage()
                    .promotion().isEmpty());
            assertThat(replicasFrom(osaka, "tokyo")).isZero();
            assertThat(osaka.node(next).raft().stateMachine().storage().secretsWithPrimary("osaka", "", SECRETS + 1))
                    .hasSize(SECRETS);
            // every one of them is writable in osaka now
            osaka.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("chunk/" + (SECRETS - 1))
                    .setSecretString("after-promotion").build()));
        }
    }

    private static long replicasFrom(TestRegion region, String source) {
        int leader = region.awaitLeader();
        return region.node(leader).raft().stateMachine().storage().secretsWithPrimary(source, "", SECRETS + 1).size();
    }

    /** Creates {@code count} secrets replicated to osaka, many in flight (one at a time would take minutes). */
    static void createReplicated(TestRegion tokyo, int count) throws Exception {
        int leader = tokyo.awaitLeader();
        SecretsServiceGrpc.SecretsServiceFutureStub stub = SecretsServiceGrpc.newFutureStub(tokyo.channel(leader));
        Semaphore inFlight = new Semaphore(64);
        List<ListenableFuture<CreateSecretResponse>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            ListenableFuture<CreateSecretResponse> call = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .createSecret(CreateSecretRequest.newBuilder().setName("chunk/" + i).setSecretString("v-" + i)
                            .addAddReplicaRegions("osaka").build());
            call.addListener(inFlight::release, Runnable::run);
            calls.add(call);
        }
        for (ListenableFuture<CreateSecretResponse> call : calls) {
            call.get(60, TimeUnit.SECONDS);
        }
    }
}
