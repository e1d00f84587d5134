package dev.kinko.server.api;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.BackupResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a backup file to the caller as fast as it reads (gRPC flow control: a chunk is
 * sent only while the call is ready), then deletes the file, also when the caller goes away.
 */
final class BackupSender {
    /** Bytes per message: well under gRPC's default 4 MiB inbound limit. */
    static final int CHUNK_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(BackupSender.class);

    private final ServerCallStreamObserver<BackupResponse> out;
    private final Runnable onDone;
    private boolean cleaned;
    private Path file;
    private InputStream in;
    private boolean finished;

    private BackupSender(ServerCallStreamObserver<BackupResponse> out, Runnable onDone) {
        this.out = out;
        this.onDone = onDone;
    }

    /**
     * Must be called from the RPC method itself: gRPC takes the handlers only then.
     * {@code onDone} runs once, when the call is over and the file is gone.
     */
    static void send(CompletableFuture<Path> backup, ServerCallStreamObserver<BackupResponse> out, Runnable onDone) {
        BackupSender sender = new BackupSender(out, onDone);
        out.setOnReadyHandler(sender::pump);
        out.setOnCancelHandler(sender::cancelled);
        backup.whenComplete((file, error) -> {
            if (error != null) {
                sender.fail(error);
            } else {
                sender.start(file);
            }
        });
    }

    private synchronized void start(Path backupFile) {
        file = backupFile;
        if (finished) { // cancelled while the backup was being made
            cleanup();
            return;
        }
        try {
            in = Files.newInputStream(backupFile);
        } catch (IOException e) {
            fail(e);
            return;
        }
        pump();
    }

    private synchronized void pump() {
        if (in == null || finished) {
            return;
        }
        try {
            while (out.isReady()) {
                byte[] chunk = in.readNBytes(CHUNK_BYTES);
                if (chunk.length == 0) {
                    finished = true;
                    cleanup();
                    out.onCompleted();
                    return;
                }
                out.onNext(BackupResponse.newBuilder().setData(ByteString.copyFrom(chunk)).build());
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private synchronized void fail(Throwable error) {
        boolean wasFinished = finished; // cancelled: nobody to tell
        finished = true;
        cleanup();
        if (!wasFinished) {
            out.onError(ErrorMapper.toStatus(error));
        }
    }

    private synchronized void cancelled() {
        finished = true;
        if (file != null || in != null) {
            cleanup();
        } // else: start() cleans up when the file arrives
    }

    private void cleanup() {
        if (cleaned) {
            return;
        }
        cleaned = true;
        try {
            if (in != null) {
                in.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove the backup file {}: {}", file, e.getMessage());
        } finally {
            onDone.run();
        }
    }
}
