package io.ferry.gateway.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ferry dev's directory: what a later start removes, what it keeps, the data-dir lock. */
class DevDirectoryTest {
    private static Path leftover(Path root, String name, String owner) throws Exception {
        Path dir = Files.createDirectories(root.resolve(DevDirectory.PREFIX + name));
        Files.createDirectories(dir.resolve("kafka"));
        Files.writeString(dir.resolve("kafka/00000000000000000000.log"), "data", UTF_8);
        if (owner != null) {
            Files.writeString(dir.resolve(DevDirectory.OWNER_FILE), owner, UTF_8);
        }
        return dir;
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.pid();
    }

    @Test
    void sweep_removesTheDirectoryOfADeadRun(@TempDir Path root) throws Exception {
        Path dead = leftover(root, "dead", deadPid() + " 1700000000000\n");
        assertThat(DevDirectory.sweep(root)).containsExactly(dead);
        assertThat(dead).doesNotExist();
    }

    @Test
    void sweep_keepsTheDirectoryOfALiveRun(@TempDir Path root) throws Exception {
        ProcessHandle me = ProcessHandle.current();
        long startMs = me.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        Path live = leftover(root, "live", me.pid() + " " + startMs + "\n");
        assertThat(DevDirectory.sweep(root)).isEmpty();
        assertThat(live).isDirectory();
    }

    @Test
    void sweep_removesTheDirectoryOfAReusedPid(@TempDir Path root) throws Exception {
        // the pid is alive, but it is another process than the one that wrote the file
        Path reused = leftover(root, "reused", ProcessHandle.current().pid() + " 12345\n");
        assertThat(DevDirectory.sweep(root)).containsExactly(reused);
    }

    @Test
    void sweep_keepsAYoungDirectoryWithoutOwner_removesAnOldOne(@TempDir Path root)
            throws Exception {
        Path young = leftover(root, "young", null);
        Path old = leftover(root, "old", null);
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(3600)));
        Path notOurs = Files.createDirectories(root.resolve("kafka-123"));
        assertThat(DevDirectory.sweep(root)).containsExactly(old);
        assertThat(young).isDirectory();
        assertThat(notOurs).isDirectory();
    }

    @Test
    void temporary_sweepsFirst_andCloseRemovesIt(@TempDir Path root) throws Exception {
        Path dead = leftover(root, "crashed", deadPid() + " 1\n");
        DevDirectory dir = DevDirectory.temporary(root);
        assertThat(dead).doesNotExist();
        assertThat(dir.isTemporary()).isTrue();
        assertThat(dir.path().resolve(DevDirectory.OWNER_FILE))
                .content(UTF_8)
                .startsWith(ProcessHandle.current().pid() + " ");
        dir.close();
        assertThat(dir.path()).doesNotExist();
    }

    @Test
    void persistent_isKept_andASecondUserIsRefused(@TempDir Path root) {
        Path data = root.resolve("data");
        DevDirectory first = DevDirectory.persistent(data);
        try {
            assertThatThrownBy(() -> DevDirectory.persistent(data))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("--data-dir " + data + " is in use by another ferry dev");
        } finally {
            first.close();
        }
        assertThat(data).isDirectory();
        DevDirectory.persistent(data).close(); // free again once closed
    }
}
