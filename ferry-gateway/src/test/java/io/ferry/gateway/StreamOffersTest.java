package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.consume.ConsumedMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StreamOffersTest {
    private static Set<String> drained(StreamOffers o) {
        List<ConsumedMessage> ms = o.drain("t");
        assertThat(ms).allSatisfy(m -> assertThat(m.topic()).isEqualTo("t"));
        return ms.stream().map(m -> m.partition() + "@" + m.offset()).collect(Collectors.toSet());
    }

    @Test
    void tracksSentOffsets_untilDone_byOffsetAndByRange() {
        StreamOffers o = new StreamOffers();
        for (long i = 0; i < 10; i++) {
            o.sent(0, i);
            o.sent(3, 100 + i);
        }
        o.sent(0, 5); // again (a redelivery to this stream): counted once
        assertThat(o.size()).isEqualTo(20);
        o.done(0, 2);
        o.done(0, 2); // twice is fine
        o.done(9, 1); // a partition never sent
        o.done(-1, 1);
        o.done(3, 103, 108);
        o.done(3, 50, 50); // empty
        assertThat(o.size()).isEqualTo(14);
        assertThat(drained(o))
                .containsExactlyInAnyOrder(
                        "0@0", "0@1", "0@3", "0@4", "0@5", "0@6", "0@7", "0@8", "0@9", "3@100",
                        "3@101", "3@102", "3@108", "3@109");
        assertThat(o.size()).isZero();
        assertThat(o.drain("t")).isEmpty();
    }

    @Test
    void aHugeRange_isOnePassOverTheSet() {
        StreamOffers o = new StreamOffers();
        o.sent(1, 5);
        o.sent(1, 1L << 40);
        o.done(1, 0, Long.MAX_VALUE / 2);
        assertThat(o.size()).isZero();
    }

    @Test
    void randomAddsAndRemoves_matchAHashSet() {
        Random r = new Random(42);
        StreamOffers.LongSet s = new StreamOffers.LongSet();
        Set<Long> ref = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            long v = r.nextInt(5_000);
            switch (r.nextInt(3)) {
                case 0, 1 -> assertThat(s.add(v)).isEqualTo(ref.add(v));
                default -> assertThat(s.remove(v)).isEqualTo(ref.remove(v));
            }
            if (i % 50_000 == 0) {
                long from = r.nextInt(5_000);
                long to = from + r.nextInt(3_000);
                int before = ref.size();
                ref.removeIf(x -> x >= from && x < to);
                assertThat(s.removeRange(from, to)).isEqualTo(before - ref.size());
            }
            assertThat(s.size()).isEqualTo(ref.size());
        }
        Set<Long> all = new HashSet<>();
        s.forEach(all::add);
        assertThat(all).isEqualTo(ref);
    }
}
