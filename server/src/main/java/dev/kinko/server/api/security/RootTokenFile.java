package dev.kinko.server.api.security;

import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.frontend.AccessWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region's first leader makes one root token and writes it, once, to {@code root_token_file}
 * (mode 0600): the only place a token is ever written in clear, so the operator can make the
 * first policies and tokens. The file is written before the token is proposed, so a leader that
 * dies between the two leaves a file that a later attempt reuses, never a root token nobody has.
 */
public final class RootTokenFile {
    private static final Logger LOG = LoggerFactory.getLogger(RootTokenFile.class);

    private final Path file;
    private final StateReader state;
    private final AccessWriter writer;

    public RootTokenFile(Path file, StateReader state, AccessWriter writer) {
        this.file = file;
        this.state = state;
        this.writer = writer;
    }

    /** Whether the region has its own root token (then there is nothing left to do). */
    public boolean done() {
        return state.tokens().stream().anyMatch(t -> t.getRoot() && t.getOriginRegion().isEmpty());
    }

    /** Run on the leader until {@link #done()}: writes the file if needed, then proposes the token. */
    public void bootstrap() throws IOException {
        if (done()) {
            return;
        }
        Optional<String> existing = read();
        boolean made = existing.isEmpty();
        String token = existing.orElseGet(() -> AccessTokens.issue().token());
        if (made) {
            write(token);
        }
        String accessor = AccessTokens.accessorOf(token).orElseThrow();
        AccessTokens.Issued issued = new AccessTokens.Issued(token, accessor, AccessTokens.hash(token));
        if (writer.bootstrapRoot(issued)) {
            LOG.info("wrote the region's root token to {} (accessor {}); keep it safe and make narrower tokens",
                    file, accessor);
        } else if (made) {
            Files.deleteIfExists(file); // another leader's root token won; this one opens nothing
        }
    }

    private Optional<String> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        // whoever could plant this file would choose the region's root token: only its owner may
        if (Files.isSymbolicLink(file) || !Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName()
                .equals(System.getProperty("user.name")) || Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)
                .stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException(file + " must be a file of the user running the node, mode 0600 (not a symlink):"
                    + " run chmod 600 " + file);
        }
        String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (AccessTokens.accessorOf(token).isEmpty()) {
            throw new IOException(file + " holds no Kinko token; remove it to have a new root token made");
        }
        return Optional.of(token);
    }

    private void write(String token) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".partial");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.US_ASCII.encode(token + "\n"));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
