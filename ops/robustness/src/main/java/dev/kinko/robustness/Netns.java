package dev.kinko.robustness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One network namespace per node, each with a veth pair into a bridge in the root namespace, so a
 * partition is a route in the namespaces and a node process is still the JVM ({@code ip netns exec}
 * execs it). The bridge holds {@code 10.77.N.1/24} (N picked per run, not in use on the machine),
 * which the suite's own JVM (the clients) reaches the nodes from; node {@code i} is {@code 10.77.N.(11+i)}.
 *
 * <p>Names carry this JVM's pid ({@code krb<pid>...}), so {@link #removeStale} can delete what a
 * killed earlier run left behind (its pid no longer alive) without touching a live run's.
 */
final class Netns implements AutoCloseable {
    static final String PREFIX = "krb";

    private final String tag;
    private final String bridge;
    private final String subnet; // "10.77.N."
    private final Map<String, String> ipOf = new LinkedHashMap<>();
    private final Map<String, String> nsOf = new LinkedHashMap<>();
    private final List<String[]> blackholes = new ArrayList<>();

    private Netns(String tag, String subnet) {
        this.tag = tag;
        this.bridge = tag + "br";
        this.subnet = subnet;
    }

    /** Sets up a bridge and one namespace per node id; throws (after undoing what it did) when it cannot. */
    static Netns create(List<String> nodeIds) throws IOException, InterruptedException {
        removeStale();
        String tag = PREFIX + ProcessHandle.current().pid();
        String used = run(false, "ip", "-4", "addr");
        int n = 0;
        for (int tries = 0; tries < 200; tries++) {
            int c = 20 + ThreadLocalRandom.current().nextInt(220);
            if (!used.contains("10.77." + c + ".")) {
                n = c;
                break;
            }
        }
        if (n == 0) {
            throw new IOException("no free 10.77.N.0/24 subnet");
        }
        Netns net = new Netns(tag, "10.77." + n + ".");
        try {
            run(true, "ip", "link", "add", net.bridge, "type", "bridge");
            run(true, "ip", "addr", "add", net.subnet + "1/24", "dev", net.bridge);
            run(true, "ip", "link", "set", net.bridge, "up");
            int i = 0;
            for (String id : nodeIds) {
                String ns = tag + "-" + id;
                String host = tag + "h" + i;
                String peer = tag + "p" + i;
                String ip = net.subnet + (11 + i);
                run(true, "ip", "netns", "add", ns);
                net.nsOf.put(id, ns);
                run(true, "ip", "link", "add", host, "type", "veth", "peer", "name", peer);
                run(true, "ip", "link", "set", peer, "netns", ns);
                run(true, "ip", "link", "set", host, "master", net.bridge);
                run(true, "ip", "link", "set", host, "up");
                run(true, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                run(true, "ip", "netns", "exec", ns, "ip", "link", "set", peer, "name", "eth0");
                run(true, "ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
                run(true, "ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
                net.ipOf.put(id, ip);
                i++;
            }
            return net;
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    String ip(String nodeId) {
        return ipOf.get(nodeId);
    }

    String bridgeIp() {
        return subnet + "1";
    }

    /** The command that runs a program inside the node's namespace (exec: the pid stays the program's). */
    List<String> prefix(String nodeId) {
        return List.of("ip", "netns", "exec", nsOf.get(nodeId));
    }

    /** Drops everything {@code from} sends to {@code to} (a blackhole route in from's namespace). */
    synchronized void cut(String from, String to) throws IOException, InterruptedException {
        run(true, "ip", "-n", nsOf.get(from), "route", "add", "blackhole", ipOf.get(to) + "/32");
        blackholes.add(new String[] {from, to});
    }

    /** Cuts both directions between every node of {@code a} and every node of {@code b}. */
    void cutBetween(List<String> a, List<String> b) throws IOException, InterruptedException {
        for (String x : a) {
            for (String y : b) {
                cut(x, y);
                cut(y, x);
            }
        }
    }

    /** Removes every cut. */
    synchronized void healAll() throws IOException, InterruptedException {
        IOException first = null;
        for (String[] c : blackholes) {
            try {
                run(true, "ip", "-n", nsOf.get(c[0]), "route", "del", "blackhole", ipOf.get(c[1]) + "/32");
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        blackholes.clear();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        for (String ns : nsOf.values()) {
            quietly("ip", "netns", "del", ns); // deletes the veth pair with it
        }
        quietly("ip", "link", "del", bridge);
    }

    /** Deletes namespaces and bridges of earlier runs whose JVM is gone. */
    static void removeStale() throws IOException, InterruptedException {
        for (String line : run(false, "ip", "netns", "list").split("\n")) {
            String ns = line.trim().split(" ")[0];
            if (ns.startsWith(PREFIX) && !ownerAlive(ns)) {
                quietly("ip", "netns", "del", ns);
            }
        }
        for (String line : run(false, "ip", "-o", "link", "show").split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length > 1) {
                String dev = f[1].split("@")[0];
                if (dev.startsWith(PREFIX) && !ownerAlive(dev)) {
                    quietly("ip", "link", "del", dev);
                }
            }
        }
    }

    private static boolean ownerAlive(String name) {
        String digits = name.substring(PREFIX.length()).replaceAll("^([0-9]+).*", "$1");
        try {
            return ProcessHandle.of(Long.parseLong(digits)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true; // not ours: leave it
        }
    }

    private static void quietly(String... command) {
        try {
            run(false, command);
        } catch (IOException | InterruptedException ignored) {
            // best effort
        }
    }

    static String run(boolean check, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return out;
    }
}
