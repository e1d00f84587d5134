package dev.kinko.server.api.aws;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link SigV4Verifier} needs of an HTTP request, free of any server library's types.
 *
 * @param method  the request method as received ({@code POST})
 * @param path    the path as on the request line, still percent-encoded, without the query
 * @param rawQuery the query as on the request line (percent-encoded, no '?'), or empty
 * @param headers every header, each with all its values in the order received; names in any case
 * @param body    the whole body (the verifier hashes it)
 */
public record SigV4Request(String method, String path, String rawQuery, Map<String, List<String>> headers,
                           byte[] body) {
    public SigV4Request {
        method = method == null ? "" : method;
        path = path == null || path.isEmpty() ? "/" : path;
        rawQuery = rawQuery == null ? "" : rawQuery;
        body = body == null ? new byte[0] : body;
        TreeMap<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((name, values) -> byName.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        }
        byName.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(byName);
    }

    /** The values of header {@code name} (any case), empty when it is absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name, List.of());
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery.isEmpty() ? "" : "?" + rawQuery) + " (" + body.length + " bytes)";
    }
}
