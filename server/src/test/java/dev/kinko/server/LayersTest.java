package dev.kinko.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer rules of DESIGN.md ("Inside the server: layers, one direction"), read from the main
 * sources: every reference to a {@code dev.kinko.server.<layer>} type (imports, and fully
 * qualified names in code; comments and strings left out) must point where its layer may look.
 * Where today's code breaks a rule and the fix lies in files being rewritten elsewhere, the edge
 * is a named {@link LayerException} below with the reason; an exception no longer needed fails the
 * test, so it is removed as soon as the code meets the rule.
 */
class LayersTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/kinko/server");
    /** The composition root: the classes directly in dev.kinko.server (KinkoNode). */
    private static final String ROOT = "(root)";
    private static final String ANY = "*";

    /** What each layer may use besides itself. A layer missing here fails the test: give it a rule. */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            // the edges: gRPC services, authn/policy/audit interceptor (api/security), error mapping
            Map.entry("api", Set.of(ANY)),
            // application services: the leader's halves of writes and reads
            Map.entry("frontend", Set.of("domain", "consensus", "crypto", "rpc")),
            // an application service beside frontend; the receiver hands writes to frontend
            Map.entry("replication", Set.of("domain", "consensus", "crypto", "frontend", "rpc")),
            // an application service beside frontend: rotations on the primary region's leader
            Map.entry("rotation", Set.of("domain", "consensus", "crypto", "frontend")),
            // the gRPC error shapes both api and replication (a client of another region) need
            Map.entry("rpc", Set.of("domain")),
            // Ratis wiring: the state machine applies domain handlers to storage
            Map.entry("consensus", Set.of("domain", "storage")),
            Map.entry("storage", Set.of("domain")),
            Map.entry("crypto", Set.of("domain")),
            // pure rules and the interfaces it declares
            Map.entry("domain", Set.of()),
            // the hash-chained audit log (written by api/security); its chain hashes with crypto's SHA-256
            Map.entry("audit", Set.of("domain", "crypto")),
            // making backups (for api) and restoring them (offline, before a node starts)
            Map.entry("backup", Set.of("domain", "storage", "crypto", "config")),
            // the node's configuration file; holds the settings records of consensus and replication
            Map.entry("config", Set.of("consensus", "replication", "rotation")),
            Map.entry("metrics", Set.of("domain", "consensus", "replication")),
            Map.entry(ROOT, Set.of(ANY)));

    /** Libraries the domain may use: no RocksDB, Ratis, gRPC or Bouncy Castle (TiKV's engine_traits rule). */
    private static final List<String> DOMAIN_LIBRARIES = List.of("java.", "dev.kinko.proto.", "com.google.protobuf.");
    /** domain/policy parses policy documents (JSON) with Jackson. */
    private static final List<String> POLICY_LIBRARIES = List.of("com.fasterxml.jackson.");

    /** A known break of a rule, kept until the files it lies in can change. */
    private record LayerException(String from, String to, Set<String> types, String why) {}

    private static final List<LayerException> EXCEPTIONS = List.of(
            new LayerException("crypto", "storage", Set.of("FileTrees"),
                    "FileTrees (owner-only files, atomic writes, deleting a tree) is a file helper that lives in "
                            + "storage; the key file and the PKI files use it. It belongs in a package below every "
                            + "layer, but storage/* is being rewritten on main: move it after that lands."),
            new LayerException("audit", "storage", Set.of("FileTrees"),
                    "the same file helper, for the audit files (see the crypto exception)"));

    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.kinko\\.server\\.((?:[a-z][a-z0-9_]*\\.)*)([A-Z]\\w*|\\*)");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);

    /** One use of another layer's type: from file, to layer and type. */
    private record Use(String file, String fromLayer, String toLayer, String type) {
        @Override
        public String toString() {
            return file + " uses " + toLayer + "." + type;
        }
    }

    private static final List<Use> USES = new ArrayList<>();
    private static final Map<String, String> CODE = new TreeMap<>();

    @BeforeAll
    static void read() throws IOException {
        assertThat(SOURCES).as("run from the server module").isDirectory();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String relative = SOURCES.relativize(f).toString().replace('\\', '/');
                String code = codeOnly(readString(f));
                CODE.put(relative, code);
                String from = layerOf(relative);
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    String pkg = m.group(1);
                    String to = pkg.isEmpty() ? ROOT : pkg.substring(0, pkg.indexOf('.'));
                    if (!to.equals(from)) {
                        USES.add(new Use(relative, from, to, m.group(2)));
                    }
                }
            });
        }
        assertThat(CODE).as("main sources found").isNotEmpty();
    }

    @Test
    void everyLayerHasARule() {
        Set<String> layers = new TreeSet<>();
        CODE.keySet().forEach(f -> layers.add(layerOf(f)));
        assertThat(ALLOWED.keySet()).as("layers with a rule in LayersTest.ALLOWED").containsAll(layers);
    }

    @Test
    void eachLayerUsesOnlyWhatItsRuleAllows() {
        Set<LayerException> needed = new HashSet<>();
        List<String> broken = new ArrayList<>();
        for (Use u : USES) {
            Set<String> allowed = ALLOWED.getOrDefault(u.fromLayer(), Set.of());
            if (allowed.contains(ANY) ? !u.toLayer().equals(ROOT) : allowed.contains(u.toLayer())) {
                continue;
            }
            LayerException known = EXCEPTIONS.stream().filter(e -> e.from().equals(u.fromLayer())
                    && e.to().equals(u.toLayer()) && e.types().contains(u.type())).findFirst().orElse(null);
            if (known != null) {
                needed.add(known);
            } else {
                broken.add(u.toString());
            }
        }
        assertThat(broken).as("references against the layer rules (DESIGN.md, LayersTest.ALLOWED)").isEmpty();
        assertThat(EXCEPTIONS).as("exceptions no longer needed: remove them from LayersTest").allMatch(needed::contains);
    }

    @Test
    void frontendAndReplicationDoNotUseApi() {
        assertThat(USES).filteredOn(u -> u.fromLayer().equals("frontend") || u.fromLayer().equals("replication"))
                .filteredOn(u -> u.toLayer().equals("api")).isEmpty();
    }

    @Test
    void apiReachesStateOnlyThroughServices() {
        // the API holds no storage: backups, reads and writes go through the services KinkoNode makes
        assertThat(USES).filteredOn(u -> u.fromLayer().equals("api") && u.toLayer().equals("storage")).isEmpty();
        assertThat(CODE.entrySet()).filteredOn(e -> layerOf(e.getKey()).equals("api"))
                .filteredOn(e -> e.getValue().contains(".stateMachine()")).extracting(Map.Entry::getKey).isEmpty();
    }

    @Test
    void theDomainUsesNoInfrastructureLibrary() {
        List<String> broken = new ArrayList<>();
        CODE.forEach((file, code) -> {
            if (!layerOf(file).equals("domain")) {
                return;
            }
            List<String> allowed = new ArrayList<>(DOMAIN_LIBRARIES);
            allowed.add("dev.kinko.server.domain.");
            if (file.startsWith("domain/policy/")) {
                allowed.addAll(POLICY_LIBRARIES);
            }
            Matcher m = IMPORT.matcher(code);
            while (m.find()) {
                String imported = m.group(1);
                if (allowed.stream().noneMatch(imported::startsWith)) {
                    broken.add(file + " imports " + imported);
                }
            }
        });
        assertThat(broken).isEmpty();
    }

    @Test
    void theLayersHaveNoCycle() {
        Map<String, Set<String>> edges = new TreeMap<>();
        USES.forEach(u -> edges.computeIfAbsent(u.fromLayer(), k -> new TreeSet<>()).add(u.toLayer()));
        for (String start : edges.keySet()) {
            List<String> cycle = cycleFrom(start, start, edges, new ArrayList<>(List.of(start)), new HashSet<>());
            assertThat(cycle).as("a cycle through %s", start).isNull();
        }
    }

    private static List<String> cycleFrom(String start, String at, Map<String, Set<String>> edges, List<String> path,
                                          Set<String> seen) {
        for (String next : edges.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(next);
                return cycle;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = cycleFrom(start, next, edges, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return null;
    }

    private static String layerOf(String relativePath) {
        int slash = relativePath.indexOf('/');
        return slash < 0 ? ROOT : relativePath.substring(0, slash);
    }

    private static String readString(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The source without comments, string and character literals (each replaced by a space). */
    static String codeOnly(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.startsWith("//", i)) {
                i = s.indexOf('\n', i) < 0 ? s.length() : s.indexOf('\n', i);
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
                out.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? s.length() : end + 3;
                out.append(' ');
            } else if (s.charAt(i) == '"' || s.charAt(i) == '\'') {
                char quote = s.charAt(i++);
                while (i < s.length() && s.charAt(i) != quote && s.charAt(i) != '\n') {
                    i += s.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                out.append(' ');
            } else {
                out.append(s.charAt(i++));
            }
        }
        return out.toString();
    }

    @Test
    void theReaderSeesCodeButNotCommentsOrStrings() {
        String code = codeOnly("""
                import dev.kinko.server.domain.Reason; // dev.kinko.server.api.Gone
                /* dev.kinko.server.api.AlsoGone */ String s = "dev.kinko.server.api.InAString \\" still";
                char c = '"'; dev.kinko.server.crypto.pki.PeerIdentity.of(x);
                """);
        Matcher m = REFERENCE.matcher(code);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1) + m.group(2));
        }
        assertThat(found).containsExactly("domain.Reason", "crypto.pki.PeerIdentity");
    }
}
