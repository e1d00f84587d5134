package dev.kinko.server.api;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.BackupChunk;
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

    private final ServerCallStreamObserver<BackupChunk> out;
    private Path file;
    private InputStream in;
    private boolean finished;

    private BackupSender(ServerCallStreamObserver<BackupChunk> out) {
        this.out = out;
    }

    /** Must be called from the RPC method itself: gRPC takes the handlers only then. */
    static void send(CompletableFuture<Path> backup, ServerCallStreamObserver<BackupChunk> out) {
        BackupSender sender = new BackupSender(out);
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
                out.onNext(BackupChunk.newBuilder().setData(ByteString.copyFrom(chunk)).build());
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private synchronized void fail(Throwable error) {
        if (finished) {
            return;
        }
        finished = true;
        cleanup();
        out.onError(ErrorMapper.toStatus(error));
    }

    private synchronized void cancelled() {
        finished = true;
        cleanup();
    }

    private void cleanup() {
        try {
            if (in != null) {
                in.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove the backup file {}: {}", file, e.getMessage());
        }
    }
}
