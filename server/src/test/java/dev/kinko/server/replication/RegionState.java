package dev.kinko.server.replication;

import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.server.testing.TestRegion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything a region holds under a name prefix, comparable across regions: ids, versions, labels, values. */
final class RegionState {
    private RegionState() {}

    static Map<String, List<String>> of(TestRegion region, String prefix) {
        Map<String, List<String>> out = new TreeMap<>();
        String token = "";
        do {
            String page = token;
            ListSecretsResponse r = region.withRetry(s -> s.listSecrets(ListSecretsRequest.newBuilder()
                    .setNamePrefix(prefix).setPageToken(page).build()));
            for (SecretMetadata m : r.getSecretsList()) {
                List<String> facts = new ArrayList<>();
                facts.add("id=" + m.getId());
                for (SecretVersionInfo v : m.getVersionsList()) {
                    String value = region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                            .setSecretId(m.getName()).setVersionId(v.getVersionId())
                            .setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build())).getSecretString();
                    facts.add(v.getVersionId() + " " + v.getVersionStagesList().stream().sorted().toList() + " " + value);
                }
                out.put(m.getName(), facts);
            }
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        return out;
    }
}
