package io.ferry.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalDeadLetterTest {
    private static final long BIG = 1L << 30;

    @TempDir Path dir;

    private static List<Path> dataFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".dlq")).sorted().toList();
        }
    }

    private static List<Long> ids(List<DeadLetterEntry> entries) {
        return entries.stream().map(DeadLetterEntry::id).toList();
    }

    @Test
    void append_givesIncreasingIds_andListReadsTheRecordsBackExactly() throws IOException {
        DeadLetterRecord a = Records.produce("orders", "RECORD_TOO_LARGE", 100);
        DeadLetterRecord b = Records.consume();
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            long ia = dl.append(a);
            long ib = dl.append(b);
            assertThat(ia).isEqualTo(1);
            assertThat(ib).isEqualTo(2);
            assertThat(dl.list())
                    .containsExactly(new DeadLetterEntry(1, a), new DeadLetterEntry(2, b));
            assertThat(dl.read(2).record().headers()).isEqualTo(Records.trickyHeaders());
            assertThat(dl.countsByCode())
                    .isEqualTo(Map.of("RECORD_TOO_LARGE", 1L, "REDELIVERY_LIMIT", 1L));
            assertThat(dl.size()).isEqualTo(2);
            assertThat(dl.bytesUsed()).isEqualTo(Files.size(dataFiles(dir).get(0)));
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(dl.recovery().clean()).isTrue();
            assertThat(dl.list())
                    .containsExactly(new DeadLetterEntry(1, a), new DeadLetterEntry(2, b));
        }
    }

    @Test
    void reopen_keepsIdsIncreasing_evenAfterEveryRecordWasRemoved() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            dl.append(Records.produce("t", "UNKNOWN_TOPIC", 1));
            dl.append(Records.produce("t", "UNKNOWN_TOPIC", 1));
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(dl.append(Records.produce("t", "UNKNOWN_TOPIC", 1))).isEqualTo(3);
            assertThat(dl.remove(List.of(1L, 2L, 3L))).isEqualTo(3);
            assertThat(dataFiles(dir)).isEmpty();
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(dl.size()).isZero();
            assertThat(dl.append(Records.produce("t", "UNKNOWN_TOPIC", 1))).isEqualTo(4);
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            // the rewritten remove log carries the floor: no id is given twice
            assertThat(dl.append(Records.produce("t", "UNKNOWN_TOPIC", 1))).isEqualTo(5);
            assertThat(ids(dl.list())).containsExactly(4L, 5L);
        }
    }

    @Test
    void tornTail_fromTruncatingMidFrame_isIgnoredAndReported_neverAFailureToOpen()
            throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            for (int i = 0; i < 3; i++) {
                dl.append(Records.produce("t", "INVALID_RECORD", 200));
            }
        }
        Path file = dataFiles(dir).get(0);
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size - 50); // the third frame loses its last 50 bytes
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(ids(dl.list())).containsExactly(1L, 2L);
            DeadLetterRecovery r = dl.recovery();
            assertThat(r.clean()).isFalse();
            assertThat(r.recordsFound()).isEqualTo(2);
            assertThat(r.problems()).singleElement().asString().contains("torn frame");
            assertThat(r.bytesTruncated()).isPositive();
            // the torn id is not given again: 3 may be on disk somewhere a person looks
            assertThat(dl.append(Records.produce("t", "INVALID_RECORD", 1))).isGreaterThan(2);
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(dl.recovery().clean()).isTrue(); // truncated once, clean since
            assertThat(dl.size()).isEqualTo(3);
        }
    }

    @Test
    void flippedByte_inAFrame_isReportedCorrupt_andTheRecordsBeforeItKept() throws IOException {
        long[] positions = new long[3];
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            for (int i = 0; i < 3; i++) {
                dl.append(Records.produce("t", "INVALID_RECORD", 200));
                positions[i] = dl.bytesUsed();
            }
        }
        Path file = dataFiles(dir).get(0);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long at = positions[0] + 100; // inside the second frame's payload
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x10);
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(ids(dl.list())).containsExactly(1L);
            assertThat(dl.recovery().problems())
                    .singleElement()
                    .asString()
                    .contains("corrupt frame")
                    .contains("at byte " + positions[0]);
            assertThat(Files.size(file)).isEqualTo(positions[0]);
        }
    }

    @Test
    void headerTornAtCreation_isDeletedAndReported() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            dl.append(Records.produce("t", "INVALID_RECORD", 10));
        }
        Files.write(dir.resolve(DataFileDescriptor.fileName(2)), new byte[] {'F', 'R'});
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(dl.recovery().problems())
                    .singleElement()
                    .asString()
                    .contains("torn at creation");
            assertThat(dataFiles(dir)).hasSize(1);
            assertThat(dl.append(Records.produce("t", "INVALID_RECORD", 10))).isEqualTo(2);
        }
    }

    @Test
    void remove_survivesReopen_andATornRemoveFrameRemovesNothing() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            for (int i = 0; i < 5; i++) {
                dl.append(Records.produce("t", i % 2 == 0 ? "A" : "B", 10));
            }
            assertThat(dl.remove(List.of(2L, 4L, 99L))).isEqualTo(2);
            assertThat(dl.countsByCode()).isEqualTo(Map.of("A", 3L));
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(ids(dl.list())).containsExactly(1L, 3L, 5L);
            assertThat(dl.remove(List.of(3L))).isEqualTo(1);
        }
        // a crash in the middle of writing the last remove frame: cut it short
        Path log = dir.resolve(RemoveLogDescriptor.FILE);
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(log) - 3);
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThat(ids(dl.list())).containsExactly(1L, 3L, 5L);
            assertThat(dl.recovery().problems()).singleElement().asString().contains("removed.log");
        }
    }

    @Test
    void files_rotateAtTheirSize_andAFileIsDeletedWhenAllItsRecordsAreRemoved() throws IOException {
        DeadLetterRecord r = Records.produce("t", "A", 300);
        long frame;
        try (LocalDeadLetter probe = LocalDeadLetter.open(dir.resolve("probe"), BIG)) {
            probe.append(r);
            frame = probe.bytesUsed() - DataFileDescriptor.HEADER_LENGTH;
        }
        int fileBytes = (int) (DataFileDescriptor.HEADER_LENGTH + 2 * frame);
        dir = dir.resolve("s");
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG, fileBytes)) {
            for (int i = 0; i < 6; i++) {
                dl.append(r);
            }
            List<Path> files = dataFiles(dir);
            assertThat(files).hasSize(3);
            for (Path f : files) {
                assertThat(Files.size(f)).isEqualTo(fileBytes);
            }
            long before = dl.bytesUsed();
            long first = Files.size(files.get(0));
            assertThat(dl.remove(List.of(1L))).isEqualTo(1);
            assertThat(dataFiles(dir)).hasSize(3); // record 2 still in the first file
            assertThat(dl.remove(List.of(2L))).isEqualTo(1);
            assertThat(dataFiles(dir)).hasSize(2).doesNotContain(files.get(0));
            assertThat(dl.bytesUsed()).isEqualTo(before - first);
        }
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG, fileBytes)) {
            assertThat(ids(dl.list())).containsExactly(3L, 4L, 5L, 6L);
        }
    }

    @Test
    void append_whenFull_returnsFULL_writesNothing_andFitsAgainAfterARemove() throws IOException {
        DeadLetterRecord r = Records.produce("t", "A", 300);
        long id;
        long oneFile;
        try (LocalDeadLetter probe = LocalDeadLetter.open(dir.resolve("probe"), BIG)) {
            probe.append(r);
            oneFile = probe.bytesUsed();
        }
        long max = oneFile * 2 - 24; // room for one header and two frames
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir.resolve("s"), max)) {
            assertThat(dl.append(r)).isEqualTo(1);
            assertThat(dl.append(r)).isEqualTo(2);
            long used = dl.bytesUsed();
            assertThat(dl.append(r)).isEqualTo(LocalDeadLetter.FULL);
            assertThat(dl.bytesUsed()).isEqualTo(used);
            assertThat(dl.size()).isEqualTo(2);
            assertThat(dl.remove(List.of(1L, 2L))).isEqualTo(2);
            id = dl.append(r);
        }
        assertThat(id).isEqualTo(3); // FULL gave out no id
    }

    @Test
    void append_ofARecordLargerThanTheWholeStore_returnsTOO_LARGE() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, 1000)) {
            assertThat(dl.append(Records.produce("t", "A", 2000)))
                    .isEqualTo(LocalDeadLetter.TOO_LARGE);
            assertThat(dl.append(Records.produce("t", "A", 10))).isEqualTo(1);
        }
    }

    @Test
    void concurrentAppends_fromSeveralThreads_giveEveryIdExactlyOnce() throws Exception {
        int threads = 4;
        int perThread = 50;
        List<List<Long>> got = new ArrayList<>();
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG, 8192)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String topic = "topic-" + t;
                futures.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    List<Long> mine = new ArrayList<>();
                                    for (int i = 0; i < perThread; i++) {
                                        mine.add(dl.append(Records.produce(topic, "A", i)));
                                    }
                                    return mine;
                                }));
            }
            start.countDown();
            for (Future<List<Long>> f : futures) {
                got.add(f.get(30, TimeUnit.SECONDS));
            }
            pool.shutdown();
            for (List<Long> mine : got) {
                assertThat(mine).isSorted(); // one thread's appends get increasing ids
            }
        }
        List<Long> all = got.stream().flatMap(List::stream).sorted().toList();
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= threads * perThread; i++) {
            expected.add(i);
        }
        assertThat(all).isEqualTo(expected);
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG, 8192)) {
            List<DeadLetterEntry> entries = dl.list();
            assertThat(ids(entries)).isEqualTo(expected);
            for (int t = 0; t < threads; t++) {
                // each thread's records are there in its order, with their content
                String topic = "topic-" + t;
                List<Integer> sizes =
                        entries.stream()
                                .filter(e -> e.record().topic().equals(topic))
                                .map(e -> e.record().value().length)
                                .toList();
                assertThat(sizes).hasSize(perThread).isSorted();
            }
            assertThat(dl.recovery().clean()).isTrue();
        }
    }

    @Test
    void open_ofADirectoryAnotherStoreHas_failsSayingItIsInUse() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG)) {
            assertThatThrownBy(() -> LocalDeadLetter.open(dir, BIG))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("in use");
            assertThat(dl.size()).isZero();
        }
        LocalDeadLetter.open(dir, BIG).close(); // released at close
    }

    @Test
    void append_afterClose_isRefused() throws IOException {
        LocalDeadLetter dl = LocalDeadLetter.open(dir, BIG);
        dl.close();
        assertThatThrownBy(() -> dl.append(Records.produce("t", "A", 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
