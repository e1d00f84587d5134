package dev.kinko.server.api.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.kinko.proto.v1.Tag;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Reading AWS's JSON members (PascalCase, epoch-second dates, base64 binaries) and writing them. */
final class AwsJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private AwsJson() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String text(JsonNode in, String member) {
        JsonNode n = in.get(member);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, member + " must be a string");
        }
        return n.asText();
    }

    static boolean has(JsonNode in, String member) {
        return in.hasNonNull(member);
    }

    static boolean bool(JsonNode in, String member) {
        JsonNode n = in.get(member);
        if (n != null && !n.isNull() && !n.isBoolean()) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, member + " must be a boolean");
        }
        return n != null && n.asBoolean();
    }

    static int integer(JsonNode in, String member) {
        JsonNode n = in.get(member);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.canConvertToInt()) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, member + " must be an integer");
        }
        return n.asInt();
    }

    static List<String> strings(JsonNode in, String member) {
        List<String> out = new ArrayList<>();
        JsonNode n = in.get(member);
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, member + " must be a list");
        }
        n.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** SecretBinary: base64 in the JSON. */
    static ByteString binary(JsonNode in, String member) {
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(text(in, member)));
        } catch (IllegalArgumentException e) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, member + " must be base64");
        }
    }

    static List<Tag> tags(JsonNode in) {
        List<Tag> out = new ArrayList<>();
        JsonNode n = in.get("Tags");
        if (n != null && n.isArray()) {
            n.forEach(t -> out.add(Tag.newBuilder().setKey(t.path("Key").asText()).setValue(t.path("Value").asText())
                    .build()));
        }
        return out;
    }

    static ArrayNode tags(List<Tag> tags) {
        ArrayNode a = MAPPER.createArrayNode();
        tags.forEach(t -> a.addObject().put("Key", t.getKey()).put("Value", t.getValue()));
        return a;
    }

    /** AddReplicaRegions: [{"Region": ..., "KmsKeyId": ...}] (the key id is not used: Kinko seals with the region's key). */
    static List<String> regions(JsonNode in, String member) {
        List<String> out = new ArrayList<>();
        JsonNode n = in.get(member);
        if (n != null && n.isArray()) {
            n.forEach(r -> out.add(r.isTextual() ? r.asText() : r.path("Region").asText()));
        }
        return out;
    }

    /** A date as AWS's JSON protocols write it: epoch seconds, with a fraction. */
    static void date(ObjectNode out, String member, Timestamp t) {
        if (t.getSeconds() != 0 || t.getNanos() != 0) {
            out.put(member, BigDecimal.valueOf(t.getSeconds()).add(BigDecimal.valueOf(t.getNanos(), 9)));
        }
    }

    static void putIfNotEmpty(ObjectNode out, String member, String value) {
        if (!value.isEmpty()) {
            out.put(member, value);
        }
    }

    /** AWS's names of the labels Kinko moves itself; other labels are the same on both sides. */
    private static final java.util.Map<String, String> AWS_LABELS = java.util.Map.of(
            dev.kinko.server.domain.Stages.CURRENT, "AWSCURRENT",
            dev.kinko.server.domain.Stages.PREVIOUS, "AWSPREVIOUS",
            dev.kinko.server.domain.Stages.PENDING, "AWSPENDING");

    static String toAws(String label) {
        return AWS_LABELS.getOrDefault(label, label);
    }

    static String toKinko(String label) {
        return AWS_LABELS.entrySet().stream().filter(e -> e.getValue().equals(label)).map(java.util.Map.Entry::getKey)
                .findFirst().orElse(label);
    }

    static List<String> toKinko(List<String> labels) {
        return labels.stream().map(AwsJson::toKinko).toList();
    }

    /** Version stages as AWS names them. */
    static ArrayNode stages(List<String> labels) {
        return array(labels.stream().map(AwsJson::toAws).toList());
    }

    static ArrayNode array(List<String> values) {
        ArrayNode a = MAPPER.createArrayNode();
        values.forEach(a::add);
        return a;
    }
}
