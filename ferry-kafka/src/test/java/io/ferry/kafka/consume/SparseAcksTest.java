package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.kafka.consume.SparseAcks.Decoded;
import io.ferry.kafka.consume.SparseAcks.Encoded;
import io.ferry.kafka.consume.SparseAcks.Range;
import io.ferry.kafka.consume.SparseAcks.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** kafka-pixy's sparse-ack metadata: the documented example, the edges, bad input, the cap. */
class SparseAcksTest {
    private static final List<Range> EXAMPLE =
            List.of(new Range(1002, 1004), new Range(1010, 1011));

    @Test
    void theDocumentedExample_encodesToCCGB() {
        assertThat(SparseAcks.encode(1000, EXAMPLE)).isEqualTo("CCGB");
    }

    @Test
    void theDocumentedExample_decodesAndRendersAs_2to4_10to11() {
        Decoded d = SparseAcks.decode(1000, "CCGB");
        assertThat(d.status()).isEqualTo(Status.OK);
        assertThat(d.reason()).isEmpty();
        assertThat(d.ranges()).containsExactlyElementsOf(EXAMPLE);
        // kafka-pixy's sparse_acks: from and to relative to the committed offset, to exclusive
        assertThat(SparseAcks.render(1000, d.ranges())).isEqualTo("2-4,10-11");
        assertThat(SparseAcks.render(1000, "CCGB")).isEqualTo("2-4,10-11");
    }

    @Test
    void noMetadata_isNoRanges() {
        assertThat(SparseAcks.decode(5, "")).isEqualTo(new Decoded(Status.OK, List.of(), ""));
        assertThat(SparseAcks.decode(5, null).ranges()).isEmpty();
        assertThat(SparseAcks.decode(-1, "").isOk()).as("no commit, no metadata").isTrue();
        assertThat(SparseAcks.encode(5, List.of())).isEmpty();
        assertThat(SparseAcks.render(5, "")).isEmpty();
    }

    @Test
    void aNumberOver31_continuesInTheNextCharacter_lowBitsFirst() {
        // 32 = 0b1_00000: low group 0 with the continuation bit (index 32 = 'g'), then 1 = 'B'
        assertThat(SparseAcks.encode(0, List.of(new Range(32, 33)))).isEqualTo("gBB");
        assertThat(SparseAcks.encode(0, List.of(new Range(31, 32)))).isEqualTo("fB");
        assertThat(SparseAcks.decode(0, "gBB").ranges()).containsExactly(new Range(32, 33));
        assertThat(SparseAcks.varintChars(31)).isEqualTo(1);
        assertThat(SparseAcks.varintChars(32)).isEqualTo(2);
        assertThat(SparseAcks.varintChars(Long.MAX_VALUE)).isEqualTo(13);
    }

    @Test
    void theLargestOffsets_roundTrip_in13Characters() {
        List<Range> r = List.of(new Range(1, Long.MAX_VALUE));
        String m = SparseAcks.encode(0, r);
        assertThat(m).hasSize(1 + 13);
        assertThat(SparseAcks.decode(0, m).ranges()).isEqualTo(r);
    }

    @Test
    void randomRanges_roundTrip() {
        long seed = Long.getLong("ferry.seed", System.nanoTime()); // replay: -Dferry.seed=N
        Random rnd = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            long base = rnd.nextInt(3) == 0 ? 0 : Math.abs(rnd.nextLong() >>> 8);
            List<Range> ranges = new ArrayList<>();
            long at = base;
            int n = rnd.nextInt(20);
            for (int k = 0; k < n; k++) {
                long from = at + 1 + (long) rnd.nextInt(rnd.nextBoolean() ? 10 : 1 << 20);
                long to = from + 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 100_000);
                ranges.add(new Range(from, to));
                at = to;
            }
            String m = SparseAcks.encode(base, ranges);
            Decoded d = SparseAcks.decode(base, m);
            assertThat(d.isOk()).as("seed %d: %s", seed, d.reason()).isTrue();
            assertThat(d.ranges()).as("seed %d", seed).isEqualTo(ranges);
        }
    }

    @Test
    void aCharacterOutsideTheAlphabet_isIgnoredWithAReason() {
        Decoded d = SparseAcks.decode(1000, "CC*B");
        assertThat(d.status()).isEqualTo(Status.IGNORED);
        assertThat(d.ranges()).isEmpty();
        assertThat(d.reason()).contains("'*'").contains("at 2").contains("base64");
        assertThat(SparseAcks.decode(1000, "CCé").reason()).contains("'é'");
        assertThat(SparseAcks.decode(1000, "{\"app\":1}").isOk()).isFalse();
    }

    @Test
    void metadataEndingInsideANumber_isIgnored() {
        Decoded d = SparseAcks.decode(1000, "Cg"); // 'g' has the continuation bit
        assertThat(d.status()).isEqualTo(Status.IGNORED);
        assertThat(d.reason()).contains("ends inside the number starting at character 1");
    }

    @Test
    void aRangeWithoutItsLength_isIgnored() {
        assertThat(SparseAcks.decode(1000, "CCG").reason())
                .contains("range starting at character 2 has no length");
    }

    @Test
    void anEmptyRange_isIgnored() {
        assertThat(SparseAcks.decode(1000, "CA").reason()).contains("is empty");
    }

    @Test
    void aNumberOver63Bits_isIgnored() {
        // 13 characters whose last carries bit 63, and 14 characters
        assertThat(SparseAcks.decode(0, "////////////I" + "B").reason())
                .contains("does not fit in 63 bits");
        assertThat(SparseAcks.decode(0, "//////////////B").reason())
                .contains("does not fit in 63 bits");
    }

    @Test
    void rangesPastTheLargestOffset_areIgnored() {
        String m = SparseAcks.encode(0, List.of(new Range(1, Long.MAX_VALUE)));
        Decoded d = SparseAcks.decode(5, m);
        assertThat(d.status()).isEqualTo(Status.IGNORED);
        assertThat(d.reason()).contains("past the largest offset");
    }

    @Test
    void metadataWithoutACommittedOffset_isIgnored() {
        Decoded d = SparseAcks.decode(-1, "CCGB");
        assertThat(d.status()).isEqualTo(Status.IGNORED);
        assertThat(d.reason()).contains("no base");
    }

    @Test
    void zeroGaps_decode_andAdjacentRangesMerge() {
        // [1002,1004) then a range starting at 1004: one range [1002,1006)
        assertThat(SparseAcks.decode(1000, "CCAC").ranges()).containsExactly(new Range(1002, 1006));
        // a first range at the committed offset itself is decodable (not produced by Ferry)
        assertThat(SparseAcks.decode(1000, "AC").ranges()).containsExactly(new Range(1000, 1002));
    }

    @Test
    void theCap_keepsTheLowestRangesThatFit_andNeverSplitsOne() {
        assertThat(SparseAcks.encode(1000, EXAMPLE, 4)).isEqualTo(new Encoded("CCGB", 2, 0));
        assertThat(SparseAcks.encode(1000, EXAMPLE, 3)).isEqualTo(new Encoded("CC", 1, 1));
        assertThat(SparseAcks.encode(1000, EXAMPLE, 2)).isEqualTo(new Encoded("CC", 1, 1));
        assertThat(SparseAcks.encode(1000, EXAMPLE, 1)).isEqualTo(new Encoded("", 0, 2));
        assertThat(SparseAcks.encode(1000, EXAMPLE, 0)).isEqualTo(new Encoded("", 0, 2));
    }

    @Test
    void theCap_stopsAtTheFirstRangeThatDoesNotFit_evenIfALaterOneWould() {
        List<Range> r =
                List.of(new Range(1, 2), new Range(100, 101), new Range(102, 103)); // BB, iDB, BB
        Encoded e = SparseAcks.encode(0, r, 4);
        assertThat(e.metadata()).isEqualTo("BB");
        assertThat(e.rangesKept()).isEqualTo(1);
        assertThat(e.rangesDropped()).isEqualTo(2);
    }

    @Test
    void theCap_at4096_isMetInUtf16Characters() {
        List<Range> ranges = new ArrayList<>();
        for (long at = 10; ranges.size() < 3_000; at += 3) {
            ranges.add(new Range(at, at + 1));
        }
        Encoded e = SparseAcks.encode(0, ranges, SparseAcks.DEFAULT_MAX_METADATA_CHARS);
        assertThat(e.metadata().length()).isLessThanOrEqualTo(4096);
        assertThat(e.rangesKept() + e.rangesDropped()).isEqualTo(3_000);
        assertThat(e.rangesDropped()).isPositive();
        assertThat(SparseAcks.decode(0, e.metadata()).ranges())
                .isEqualTo(ranges.subList(0, e.rangesKept()));
    }

    @Test
    void encode_refusesRangesOutOfOrder_orBelowTheOffset_andABadCap() {
        assertThatThrownBy(() -> SparseAcks.encode(1003, EXAMPLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1002,1004) starts below 1003");
        assertThatThrownBy(() -> SparseAcks.encode(0, List.of(new Range(5, 9), new Range(7, 8))))
                .hasMessageContaining("starts below 9");
        assertThatThrownBy(() -> SparseAcks.encode(0, EXAMPLE, -1))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> new Range(4, 4)).hasMessageContaining("0 <= from < to");
    }
}
