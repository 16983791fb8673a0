package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The idempotent sequence bookkeeping of one partition. */
class SequenceStateTest {
    private final SequenceState s = new SequenceState();

    @Test
    void aNewGeneration_startsAtZero_andTakesConsecutiveRanges() {
        s.renumber(1);
        assertThat(s.current(1)).isTrue();
        assertThat(s.take(3)).isEqualTo(0);
        assertThat(s.take(2)).isEqualTo(3);
        assertThat(s.current(2)).as("another generation").isFalse();
    }

    /** CHANGELOG fix: sequences wrap at 2^31 as Kafka's do. */
    @Test
    void sequencesWrap_fromIntegerMaxValue_toZero() {
        assertThat(SequenceState.increment(Integer.MAX_VALUE, 1)).isEqualTo(0);
        assertThat(SequenceState.increment(Integer.MAX_VALUE - 1, 3)).isEqualTo(1);
        assertThat(SequenceState.increment(5, 3)).isEqualTo(8);
    }

    @Test
    void acked_movesTheExpectedNextForward_acrossTheWrap_andNeverBack() {
        s.renumber(1);
        s.acked(0, 5);
        assertThat(s.expectedNext(5)).isTrue();
        s.acked(0, 2); // a late answer for an older batch
        assertThat(s.expectedNext(5)).as("never moves back").isTrue();
        s.acked(Integer.MAX_VALUE - 1, 4);
        assertThat(s.expectedNext(2)).as("wrapped").isFalse(); // behind: it is far ahead now
    }

    @Test
    void aRenumberInTheSameGeneration_goesOnFromTheLastAcknowledgedBatch() {
        s.renumber(1);
        s.take(4);
        s.acked(0, 2);
        s.requireResequence();
        assertThat(s.current(1)).isFalse();
        s.renumber(1);
        assertThat(s.take(1)).as("the hole a failed batch left is filled").isEqualTo(2);
    }

    /** CHANGELOG fix: a fresh topic's overtaken first batch is recognised (the reset follows). */
    @Test
    void aBatchBehindTheAcknowledgedEnd_isOvertaken() {
        s.renumber(1);
        s.acked(3, 2); // a later batch landed first: the broker took it as the first
        assertThat(s.overtaken(0)).isTrue();
        assertThat(s.overtaken(5)).isFalse();
        assertThat(s.overtaken(-1)).as("not idempotent").isFalse();
    }

    @Test
    void thePipelineOpens_atTheFirstAck_ofEachGeneration() {
        s.renumber(1);
        assertThat(s.pipelineOpen()).isFalse();
        s.acked(s.take(1), 1);
        assertThat(s.pipelineOpen()).isTrue();
        s.renumber(2);
        assertThat(s.pipelineOpen()).as("a new producer id: Kafka has no state again").isFalse();
    }

    @Test
    void aStaleGeneration_isRememberedUntilANewOne() {
        s.renumber(4);
        s.markStale();
        assertThat(s.stale(4)).isTrue();
        assertThat(s.stale(5)).isFalse();
    }
}
