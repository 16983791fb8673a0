package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AscendingOffsetsTest {

    @Test
    void empty_hasNoFirstOrLast_andFindsNothing() {
        AscendingOffsets<String> m = new AscendingOffsets<>();

        assertThat(m.isEmpty()).isTrue();
        assertThat(m.get(0)).isNull();
        assertThat(m.remove(0)).isNull();
        assertThat(m.removeRange(0, 100, v -> {})).isZero();
        assertThatThrownBy(m::firstOffset).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(m::lastOffset).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void append_refusesAnOffsetNotAboveTheLast_andNull() {
        AscendingOffsets<String> m = new AscendingOffsets<>();
        m.append(5, "five");

        assertThatThrownBy(() -> m.append(5, "again"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("offsets are added in ascending order: 5 after 5");
        assertThatThrownBy(() -> m.append(3, "lower"))
                .hasMessage("offsets are added in ascending order: 3 after 5");
        assertThatThrownBy(() -> m.append(6, null)).hasMessage("offset 6 mapped to null");
        assertThat(m.size()).isEqualTo(1);
        assertThat(m.get(5)).isEqualTo("five");
    }

    @Test
    void removingOutOfOrder_keepsFirstAndLast_andTheGapsUnmapped() {
        AscendingOffsets<String> m = new AscendingOffsets<>();
        for (long o = 10; o < 20; o += 2) {
            m.append(o, "v" + o);
        }

        assertThat(m.remove(14)).isEqualTo("v14");
        assertThat(m.remove(14)).isNull();
        assertThat(m.get(15)).isNull();
        assertThat(m.remove(10)).isEqualTo("v10");
        assertThat(m.remove(18)).isEqualTo("v18");

        assertThat(m.firstOffset()).isEqualTo(12);
        assertThat(m.lastOffset()).isEqualTo(16);
        List<Long> offsets = new ArrayList<>();
        m.forEachOffset(offsets::add);
        assertThat(offsets).containsExactly(12L, 16L);
    }

    @Test
    void removeRange_takesTheHalfOpenRange_inOrder() {
        AscendingOffsets<String> m = new AscendingOffsets<>();
        for (long o = 0; o < 10; o++) {
            m.append(o, "v" + o);
        }
        m.remove(4);
        List<String> taken = new ArrayList<>();

        int n = m.removeRange(3, 7, taken::add);

        assertThat(n).isEqualTo(3);
        assertThat(taken).containsExactly("v3", "v5", "v6");
        assertThat(m.get(7)).isEqualTo("v7");
        assertThat(m.size()).isEqualTo(6);
        assertThat(m.removeRange(0, 10, v -> {})).isEqualTo(6);
        assertThat(m.isEmpty()).isTrue();
    }

    @Test
    void aLongStreamWithOneOldEntryHeld_staysSmall_andKeepsTheOldEntry() {
        // the shape of a partition with one message never acknowledged while the rest flow:
        // the arrays must not grow with the offsets that passed
        AscendingOffsets<Long> m = new AscendingOffsets<>();
        m.append(0, 0L);
        for (long o = 1; o <= 1_000_000; o++) {
            m.append(o, o);
            if (o > 100) {
                assertThat(m.remove(o - 100)).isEqualTo(o - 100);
            }
        }

        assertThat(m.size()).isEqualTo(101);
        assertThat(m.firstOffset()).isZero();
        assertThat(m.get(0)).isZero();
        assertThat(m.lastOffset()).isEqualTo(1_000_000);
    }

    @Test
    void randomOperations_answerAsATreeMapDoes() {
        Random random = new Random(20261202);
        for (int round = 0; round < 50; round++) {
            AscendingOffsets<Long> m = new AscendingOffsets<>();
            TreeMap<Long, Long> model = new TreeMap<>();
            long next = random.nextInt(1000);
            for (int step = 0; step < 5_000; step++) {
                int op = random.nextInt(10);
                if (op < 4) {
                    next += 1 + (random.nextInt(4) == 0 ? random.nextInt(50) : 0);
                    m.append(next, next * 7);
                    model.put(next, next * 7);
                } else if (op < 8) {
                    long o = pick(random, model, next);
                    assertThat(m.remove(o)).isEqualTo(model.remove(o));
                } else if (op == 8) {
                    long from = pick(random, model, next);
                    long to = from + random.nextInt(30);
                    List<Long> taken = new ArrayList<>();
                    int n = m.removeRange(from, to, taken::add);
                    Map<Long, Long> range = model.subMap(from, true, to, false);
                    assertThat(taken).containsExactlyElementsOf(range.values());
                    assertThat(n).isEqualTo(range.size());
                    range.clear();
                } else {
                    long o = pick(random, model, next);
                    assertThat(m.get(o)).isEqualTo(model.get(o));
                }
                assertThat(m.size()).isEqualTo(model.size());
                if (!model.isEmpty()) {
                    assertThat(m.firstOffset()).isEqualTo(model.firstKey());
                    assertThat(m.lastOffset()).isEqualTo(model.lastKey());
                }
            }
            List<Long> offsets = new ArrayList<>();
            m.forEachOffset(offsets::add);
            assertThat(offsets).containsExactlyElementsOf(model.keySet());
            for (long o : offsets) {
                assertThat(m.get(o)).isEqualTo(model.get(o));
            }
        }
    }

    /** A mapped offset most of the time, else any offset up to {@code next}. */
    private static long pick(Random random, TreeMap<Long, Long> model, long next) {
        if (!model.isEmpty() && random.nextInt(4) != 0) {
            Long o = model.ceilingKey(model.firstKey() + random.nextInt(40));
            return o == null ? model.lastKey() : o;
        }
        return random.nextInt((int) next + 2);
    }
}
