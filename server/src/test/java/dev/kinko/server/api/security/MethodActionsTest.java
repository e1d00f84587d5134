package dev.kinko.server.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated getters of the hottest requests say what reflection says, for every way a version is named. */
class MethodActionsTest {
    @Test
    void getSecretValueNamesTheSecretAndTheVersionAsReflectionDoes() {
        String method = SecretsServiceGrpc.getGetSecretValueMethod().getFullMethodName();
        List<GetSecretValueRequest> requests = List.of(
                GetSecretValueRequest.newBuilder().setSecretId("prod/db").build(),
                GetSecretValueRequest.newBuilder().setSecretId("prod/db").setVersionId("v-1").build(),
                GetSecretValueRequest.newBuilder().setSecretId("prod/db").setVersionStage("AWSPREVIOUS").build(),
                GetSecretValueRequest.newBuilder().setSecretId("prod/db").setVersionId("v-1")
                        .setVersionStage("AWSCURRENT").build());
        for (GetSecretValueRequest r : requests) {
            assertSameAsReflection(method, r);
        }
        assertThat(MethodActions.accessOf(method, requests.get(2)).version()).isEqualTo("AWSPREVIOUS");
        assertThat(MethodActions.accessOf(method, requests.get(3)).version()).isEqualTo("v-1");
    }

    @Test
    void putSecretValueNamesTheSecretAsReflectionDoes() {
        String method = SecretsServiceGrpc.getPutSecretValueMethod().getFullMethodName();
        assertSameAsReflection(method, PutSecretValueRequest.newBuilder().setSecretId("prod/db")
                .setSecretBinary(ByteString.copyFromUtf8("x")).addVersionStages("AWSPENDING").build());
        assertSameAsReflection(method, PutSecretValueRequest.newBuilder().setSecretId("prod/db")
                .setClientRequestToken("t").setSecretString("x").build());
    }

    private static void assertSameAsReflection(String method, Message request) {
        MethodActions.Access fast = MethodActions.accessOf(method, request);
        assertThat(fast).isEqualTo(MethodActions.byReflection(MethodActions.actionOf(method), request));
        assertThat(fast.scope()).isEqualTo(MethodActions.Scope.SECRET);
        assertThat(fast.resource()).isEqualTo("prod/db");
    }
}
