package io.dwb.standalone;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;

/**
 * Another process and a file lock, as a second standalone sees them: {@code hold FILE} locks FILE (created when
 * missing), prints {@code locked} and keeps it until killed (a standalone between taking its data directory's lock and
 * formatting it); {@code try FILE} prints {@code held} when another process holds FILE's lock, else {@code free}.
 */
final class LockHolderMain {
    private LockHolderMain() {}

    public static void main(String[] args) throws Exception {
        try (FileChannel channel = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            if (args[0].equals("hold")) {
                channel.lock();
                System.out.println("locked");
                new CountDownLatch(1).await(); // until killed
            }
            FileLock lock = channel.tryLock();
            System.out.println(lock == null ? "held" : "free");
        }
    }
}
