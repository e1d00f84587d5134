package dev.kinko.server.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.server.domain.PasswordGenerator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PasswordRotatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PasswordRotator rotator = new PasswordRotator();

    @Test
    void replacesOnlyThePasswordOfAJsonValueAndKeepsTheFieldOrder() throws Exception {
        String current = "{\"username\":\"app\",\"password\":\"old-pw\",\"host\":\"db.example\",\"port\":5432,"
                + "\"ratio\":1.10,\"nested\":{\"b\":[1,2],\"a\":null}}";

        String next = rotator.newValue(RotationContexts.of(current, null));

        JsonNode was = JSON.readTree(current);
        JsonNode now = JSON.readTree(next);
        assertThat(fieldNames(now)).containsExactlyElementsOf(fieldNames(was));
        assertThat(now.get("password").asText()).isNotEqualTo("old-pw").hasSize(32);
        for (String field : List.of("username", "host", "port", "nested")) {
            assertThat(now.get(field)).as(field).isEqualTo(was.get(field));
        }
        assertThat(next).contains("\"ratio\":1.10");
    }

    @Test
    void replacesAPlainStringNullOrJsonWithoutAStringPassword() throws Exception {
        for (String current : new String[] {"old-plain-password", null, "{\"user\":\"x\"}", "{\"password\":7}",
                "[\"password\"]", "{\"password\":\"x\"} trailing"}) {
            String next = rotator.newValue(RotationContexts.of(current, null));
            assertThat(next).as(String.valueOf(current)).hasSize(32).isNotEqualTo(current);
        }
    }

    @Test
    void eachCallMakesAFreshValue() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(rotator.newValue(RotationContexts.of("{\"password\":\"p\"}", null)));
        }
        assertThat(seen).hasSize(200);
    }

    @Test
    void honoursThePasswordOptions() throws Exception {
        PasswordGenerator.Options options = new PasswordGenerator.Options(12, "abcXYZ", false, true, false, false,
                false, true);
        for (int i = 0; i < 200; i++) {
            String next = rotator.newValue(RotationContexts.withOptions("plain", options));
            assertThat(next).hasSize(12).doesNotContainAnyWhitespaces().matches("[A-Za-z0-9]+")
                    .doesNotContain("a", "b", "c", "X", "Y", "Z");
        }
    }

    @Test
    void theOtherStepsAcceptAnything() throws Exception {
        RotationContext context = RotationContexts.of("x", "y");
        rotator.setSecret(context);
        rotator.testSecret(context);
        rotator.finishSecret(context);
        rotator.checkSetup(RotationContexts.of(null, null));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
