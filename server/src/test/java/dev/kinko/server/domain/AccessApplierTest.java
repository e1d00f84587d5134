package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.ApplyAccessSyncCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.DeletePolicyCommand;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.proto.raft.v1.PutTokenCommand;
import dev.kinko.proto.raft.v1.RevokeTokenCommand;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.storage.ScratchStorage;
import dev.kinko.server.storage.StorageBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Policies and tokens in the state: this region's own, replicated ones (read-only), promotion. */
class AccessApplierTest {
    final CommandApplier osaka = new CommandApplier("osaka");
    ScratchStorage scratch;
    StorageBatch state;

    @BeforeEach
    void fresh() {
        scratch = ScratchStorage.open();
        state = scratch.state();
    }

    @AfterEach
    void close() {
        scratch.close();
    }

    CommandResult apply(Command.Builder c) {
        return osaka.apply(c.setTimestampMillis(1_000).build(), state);
    }

    static PolicyRecord policy(String name, String doc) {
        return PolicyRecord.newBuilder().setName(name).setDocument(doc).build();
    }

    static TokenRecord token(String accessor) {
        return TokenRecord.newBuilder().setAccessor(accessor).setHash(ByteString.copyFrom(new byte[32]))
                .addPolicies("app").build();
    }

    long version;

    /** A sync with the source's next access version. */
    Command.Builder sync(String from, long epoch, boolean force, PolicyRecord p, TokenRecord... tokens) {
        return sync(++version, from, epoch, force, p, tokens);
    }

    Command.Builder sync(long accessVersion, String from, long epoch, boolean force, PolicyRecord p, TokenRecord... tokens) {
        ApplyAccessSyncCommand.Builder b = ApplyAccessSyncCommand.newBuilder().setSourceRegion(from).setEpoch(epoch)
                .setForceOverwrite(force).setAccessVersion(accessVersion);
        if (p != null) {
            b.addPolicies(p);
        }
        for (TokenRecord t : tokens) {
            b.addTokens(t);
        }
        return Command.newBuilder().setApplyAccessSync(b);
    }

    @Test
    void ownChangesMoveTheAccessVersionReplicatedOnesDoNot() {
        apply(Command.newBuilder().setPutPolicy(PutPolicyCommand.newBuilder().setPolicy(policy("mine", "{}"))));
        apply(Command.newBuilder().setPutToken(PutTokenCommand.newBuilder().setToken(token("a1"))));
        assertThat(state.accessVersion()).isEqualTo(2);
        apply(sync("tokyo", 0, false, policy("app", "{1}"), token("t1")));
        assertThat(state.accessVersion()).isEqualTo(2);
        assertThat(state.policy("app").orElseThrow().getOriginRegion()).isEqualTo("tokyo");
        assertThat(state.token("t1").orElseThrow().getOriginRegion()).isEqualTo("tokyo");
        assertThat(state.source("tokyo")).as("promotion will fence tokyo").isPresent();
    }

    @Test
    void aSyncReplacesWhatCameFromThatRegionAndKeepsTheRest() {
        apply(Command.newBuilder().setPutToken(PutTokenCommand.newBuilder().setToken(token("own"))));
        apply(sync("tokyo", 0, false, policy("app", "{1}"), token("t1"), token("t2")));
        apply(sync("tokyo", 0, false, policy("app", "{2}"), token("t2")));
        assertThat(state.tokens()).extracting(TokenRecord::getAccessor).containsExactly("own", "t2");
        assertThat(state.policy("app").orElseThrow().getDocument()).isEqualTo("{2}");
        apply(sync("tokyo", 0, false, null));
        assertThat(state.policies()).isEmpty();
    }

    @Test
    void anAccessKeyInASyncIsNotTaken() {
        // sealed under the source region's key: useless here, and a source never ships one
        TokenRecord key = TokenRecord.newBuilder().setAccessor("KKIA0123456789ABCDEF").addPolicies("app")
                .setSealedSecretKey(dev.kinko.proto.raft.v1.SealedValue.newBuilder().setKeyVersion(1)).build();
        apply(sync("tokyo", 0, false, policy("app", "{1}"), token("t1"), key));
        assertThat(state.token("t1")).isPresent();
        assertThat(state.token("KKIA0123456789ABCDEF")).isEmpty();
    }

    @Test
    void aSameNamedPolicyOfThisRegionIsKeptUnlessTheSourceForcesIt() {
        apply(Command.newBuilder().setPutPolicy(PutPolicyCommand.newBuilder().setPolicy(policy("app", "{mine}"))));
        CommandResult kept = apply(sync("tokyo", 0, false, policy("app", "{theirs}")));
        assertThat(kept.getCount()).as("conflicts").isEqualTo(1);
        assertThat(state.policy("app").orElseThrow().getDocument()).isEqualTo("{mine}");
        apply(sync("tokyo", 0, true, policy("app", "{theirs}")));
        assertThat(state.policy("app").orElseThrow()).satisfies(p -> {
            assertThat(p.getDocument()).isEqualTo("{theirs}");
            assertThat(p.getOriginRegion()).isEqualTo("tokyo");
        });
    }

    @Test
    void replicatedRecordsAreReadOnlyUntilPromotion() {
        apply(sync("tokyo", 0, false, policy("app", "{1}"), token("t1")));
        assertThat(apply(Command.newBuilder().setPutPolicy(PutPolicyCommand.newBuilder().setPolicy(policy("app", "{x}"))))
                .getErrorReason()).isEqualTo("REPLICA_READ_ONLY");
        assertThat(apply(Command.newBuilder().setDeletePolicy(DeletePolicyCommand.newBuilder().setName("app")))
                .getErrorReason()).isEqualTo("REPLICA_READ_ONLY");
        assertThat(apply(Command.newBuilder().setRevokeToken(RevokeTokenCommand.newBuilder().setAccessor("t1")))
                .getErrorReason()).isEqualTo("REPLICA_READ_ONLY");

        assertThat(apply(Command.newBuilder().setPromoteRegion(PromoteRegionCommand.getDefaultInstance()))
                .getErrorReason()).isEmpty();
        assertThat(state.policy("app").orElseThrow().getOriginRegion()).isEmpty();
        assertThat(state.token("t1").orElseThrow().getOriginRegion()).isEmpty();
        assertThat(state.accessVersion()).as("shipped on from here").isPositive();
        // the old primary is fenced: its next sync is refused and changes nothing
        assertThat(apply(sync("tokyo", 0, false, null)).getErrorReason()).isEqualTo("REGION_PROMOTED");
        assertThat(state.token("t1")).isPresent();
        assertThat(apply(Command.newBuilder().setRevokeToken(RevokeTokenCommand.newBuilder().setAccessor("t1")))
                .getErrorReason()).isEmpty();
    }

    @Test
    void aSyncFromItselfOrNowhereIsRefused() {
        assertThat(apply(sync("osaka", 0, false, null)).getErrorReason()).isEqualTo("INVALID_LINK");
        assertThat(apply(sync("", 0, false, null)).getErrorReason()).isEqualTo("INVALID_LINK");
        state.putSource(SourceRecord.newBuilder().setRegion("tokyo").setEpoch(2).build());
        assertThat(apply(sync("tokyo", 1, false, null)).getErrorReason()).isEqualTo("REGION_PROMOTED");
    }

    @Test
    void rootTokensNeverTravelAndNoTokenReplacesAnotherRegionsOwn() {
        TokenRecord mine = token("shared").toBuilder().addPolicies("mine").build();
        apply(Command.newBuilder().setPutToken(PutTokenCommand.newBuilder().setToken(mine)));
        apply(sync("tokyo", 0, false, null, token("root-t").toBuilder().setRoot(true).build(),
                token("shared").toBuilder().clearPolicies().addPolicies("theirs").build(), token("t1")));
        assertThat(state.token("root-t")).as("a root token stays in its region").isEmpty();
        assertThat(state.token("shared").orElseThrow().getOriginRegion()).isEmpty();
        assertThat(state.token("shared").orElseThrow().getPoliciesList()).containsExactly("app", "mine");
        assertThat(state.token("t1")).isPresent();
    }

    @Test
    void aTokenDoesNotGetThisRegionsPolicyOfTheSameName() {
        apply(Command.newBuilder().setPutPolicy(PutPolicyCommand.newBuilder().setPolicy(policy("app", "{mine}"))));
        apply(sync("tokyo", 0, false, policy("app", "{theirs}"), token("t1")));
        assertThat(state.token("t1").orElseThrow().getPoliciesList()).as("app here is not tokyo's app").isEmpty();
    }

    @Test
    void aLateSyncFromADeposedLeaderChangesNothing() {
        apply(sync(5, "tokyo", 0, false, null, token("t1"), token("t2")));
        apply(sync(6, "tokyo", 0, false, null, token("t1")));
        apply(sync(5, "tokyo", 0, false, null, token("t1"), token("t2")));
        assertThat(state.tokens()).extracting(TokenRecord::getAccessor).containsExactly("t1");
    }

    @Test
    void aSecondRootBootstrapLeavesTheFirst() {
        TokenRecord first = token("root-1").toBuilder().setRoot(true).build();
        TokenRecord second = token("root-2").toBuilder().setRoot(true).build();
        assertThat(apply(Command.newBuilder().setPutToken(PutTokenCommand.newBuilder().setToken(first)
                .setBootstrapRoot(true))).getCount()).isEqualTo(1);
        CommandResult again = apply(Command.newBuilder().setPutToken(PutTokenCommand.newBuilder().setToken(second)
                .setBootstrapRoot(true)));
        assertThat(again.getCount()).isZero();
        assertThat(again.getName()).isEqualTo("root-1");
        assertThat(state.token("root-2")).isEmpty();
    }
}
