package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.kafka.consume.PartitionAcks.AckResult;
import io.ferry.kafka.consume.PartitionAcks.CommitPoint;
import io.ferry.kafka.consume.PartitionAcks.Offer;
import io.ferry.kafka.consume.PartitionAcks.ReleaseResult;
import io.ferry.kafka.consume.SparseAcks.Range;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One partition's acknowledgement tracker, driven directly with an explicit clock ({@code nowMs}
 * arguments): out-of-order acks, the commit point and its metadata, restarts, gaps, timeouts,
 * max-pending, release vs. take-back, the dead letter, the metadata cap.
 */
class PartitionAcksTest {
    /** A fetched record: its offset and nothing else matters to the tracker. */
    record Msg(long offset) {}

    private static final int NO_CAP = 1 << 20;

    private final List<String> deadLettered = new ArrayList<>();
    private boolean deadLetterStores = true;
    private PartitionAcks<Msg> acks;

    private PartitionAcks<Msg> start(long committed, String metadata, AckSettings settings) {
        acks =
                new PartitionAcks<>(
                        committed,
                        metadata,
                        settings,
                        Msg::offset,
                        (offset, record, deliveries) -> {
                            assertThat(record.offset()).isEqualTo(offset);
                            if (!deadLetterStores) {
                                return false;
                            }
                            deadLettered.add(offset + "x" + deliveries);
                            return true;
                        });
        return acks;
    }

    private PartitionAcks<Msg> start(long committed) {
        return start(committed, "", AckSettings.DEFAULTS);
    }

    private static List<Msg> msgs(long... offsets) {
        return LongStream.of(offsets).mapToObj(Msg::new).toList();
    }

    private static List<Msg> span(long from, long to) {
        return LongStream.range(from, to).mapToObj(Msg::new).toList();
    }

    private long offerOffset(long nowMs) {
        Offer<Msg> o = acks.next(nowMs);
        assertThat(o).as("an offer at %d", nowMs).isNotNull();
        return o.offset();
    }

    private List<Long> offerAll(long nowMs) {
        List<Long> offsets = new ArrayList<>();
        for (Offer<Msg> o = acks.next(nowMs); o != null; o = acks.next(nowMs)) {
            offsets.add(o.offset());
        }
        return offsets;
    }

    @AfterEach
    void consistent() {
        if (acks != null) {
            assertThat(acks.invariantViolations()).isEmpty();
        }
    }

    // ------------------------------------------------------------ acks and the commit point

    @Test
    void outOfOrderAcks_commitTheLowestUnacked_withTheAckedRangesAbove() {
        start(1000);
        acks.addFetched(span(1000, 1012), 1012);
        assertThat(offerAll(0))
                .containsExactlyElementsOf(LongStream.range(1000, 1012).boxed().toList());
        assertThat(acks.ack(1002)).isEqualTo(AckResult.OK);
        assertThat(acks.ack(1003)).isEqualTo(AckResult.OK);
        assertThat(acks.ack(1010)).isEqualTo(AckResult.OK);

        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(1000, "CCGB", 2, 0));
        assertThat(SparseAcks.render(1000, "CCGB")).isEqualTo("2-4,10-11");

        acks.ack(1000);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(1001, "BCGB", 2, 0));
        acks.ack(1001);
        assertThat(acks.commitPoint(NO_CAP))
                .as("the prefix merges")
                .isEqualTo(new CommitPoint(1004, "GB", 1, 0));
        assertThat(acks.committableOffset()).isEqualTo(1004);
    }

    @Test
    void aDoubleAck_isAlready_andChangesNothing() {
        start(0);
        acks.addFetched(span(0, 3), 3);
        offerAll(0);
        assertThat(acks.ack(1)).isEqualTo(AckResult.OK);
        CommitPoint before = acks.commitPoint(NO_CAP);
        assertThat(acks.ack(1)).isEqualTo(AckResult.ALREADY);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(before);
        assertThat(acks.counters().acked()).isEqualTo(1);
        acks.ack(0);
        assertThat(acks.ack(0)).as("below the commit point").isEqualTo(AckResult.ALREADY);
    }

    @Test
    void anAckForAnOffsetNeverOffered_isNeverOffered_andChangesNothing() {
        start(10);
        acks.addFetched(span(10, 15), 15);
        acks.next(0); // offers 10
        assertThat(acks.ack(12)).as("held, not offered").isEqualTo(AckResult.NEVER_OFFERED);
        assertThat(acks.ack(15)).as("not fetched").isEqualTo(AckResult.NEVER_OFFERED);
        assertThat(acks.ack(1_000_000)).isEqualTo(AckResult.NEVER_OFFERED);
        assertThat(acks.ack(9)).as("below the start: settled before").isEqualTo(AckResult.ALREADY);
        assertThat(acks.counters().acked()).isZero();
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(10, "", 0, 0));
        assertThat(acks.next(0).offset()).as("12 is still offered in turn").isEqualTo(11);
    }

    @Test
    void ackRange_settlesTheOfferedOnesInIt_only() {
        start(0);
        acks.addFetched(span(0, 10), 10);
        for (int i = 0; i < 6; i++) {
            acks.next(0); // 0..5 offered, 6..9 held
        }
        acks.ack(2);
        assertThat(acks.ackRange(1, 8)).as("1, 3, 4, 5").isEqualTo(4);
        assertThat(acks.ack(6)).isEqualTo(AckResult.NEVER_OFFERED);
        assertThat(acks.ackRange(1, 8)).isZero();
        assertThat(acks.ackRange(4, 4)).isZero();
        assertThat(acks.counters().acked()).isEqualTo(5);
        assertThat(acks.commitPoint(NO_CAP).offset()).isZero();
        assertThat(acks.ackRange(0, 1)).isEqualTo(1);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(6, "", 0, 0));
        assertThatThrownBy(() -> acks.ackRange(5, 4)).hasMessageContaining("from <= to");
    }

    // ------------------------------------------------------------ gaps

    @Test
    void offsetsWithoutRecords_areSteppedOver_soTheCommitNeverStalls() {
        start(0);
        acks.addFetched(msgs(0, 1, 5), 8); // 2-4 and 6-7: markers, aborted txns, compaction
        assertThat(offerAll(0)).containsExactly(0L, 1L, 5L);
        acks.ack(0);
        acks.ack(1);
        assertThat(acks.commitPoint(NO_CAP).offset()).isEqualTo(5);
        acks.ack(5);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(8, "", 0, 0));
    }

    @Test
    void aPartitionEndingInAControlBatch_commitsPastIt() {
        start(0);
        acks.addFetched(span(0, 10), 11); // offset 10 is the COMMIT marker
        offerAll(0);
        acks.ackRange(0, 10);
        assertThat(acks.commitPoint(NO_CAP).offset()).isEqualTo(11);
        assertThat(acks.position()).isEqualTo(11);
    }

    @Test
    void aFetchOfOnlyControlBatches_orAResetForward_settlesTheWholeSpan() {
        start(100);
        acks.addFetched(List.of(), 140);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(140, "", 0, 0));
        assertThat(acks.ack(120)).isEqualTo(AckResult.ALREADY);
    }

    @Test
    void gapsBetweenUnackedOffers_areEncodedWithTheAckedOnes() {
        start(0);
        acks.addFetched(msgs(0, 3, 4), 5); // 1-2 hold no records
        offerAll(0);
        acks.ack(4);
        // settled above 0: [1,3) (gap) and [4,5) (acked)
        CommitPoint p = acks.commitPoint(NO_CAP);
        assertThat(SparseAcks.decode(p.offset(), p.metadata()).ranges())
                .containsExactly(new Range(1, 3), new Range(4, 5));
    }

    @Test
    void aGapAmongTheHeldRecords_isNeverOffered_butAGapBelowThemIsSettled() {
        start(0);
        acks.addFetched(msgs(0, 2, 4), 5);
        acks.next(0); // 0 out; 2, 4 held
        assertThat(acks.ack(1)).as("below the first held record").isEqualTo(AckResult.ALREADY);
        assertThat(acks.ack(3)).as("among the held records").isEqualTo(AckResult.NEVER_OFFERED);
    }

    // ------------------------------------------------------------ restart from metadata

    @Test
    void aRestartFromTheCommitPoint_skipsExactlyTheAckedOnes() {
        start(0);
        List<Msg> log = span(0, 50);
        acks.addFetched(log, 50);
        offerAll(0);
        List<Long> ackedOnes = List.of(3L, 4L, 5L, 17L, 30L, 31L, 49L);
        ackedOnes.forEach(acks::ack);
        acks.ack(0); // the commit moves to 1
        CommitPoint p = acks.commitPoint(NO_CAP);
        assertThat(p.offset()).isEqualTo(1);

        PartitionAcks<Msg> first = acks;
        start(p.offset(), p.metadata(), AckSettings.DEFAULTS);
        assertThat(acks.startMetadata().isOk()).isTrue();
        assertThat(first.invariantViolations()).isEmpty();
        acks.addFetched(log, 50);
        List<Long> expected = new ArrayList<>();
        for (long o = 1; o < 50; o++) {
            if (!ackedOnes.contains(o)) {
                expected.add(o);
            }
        }
        assertThat(offerAll(0)).containsExactlyElementsOf(expected);
        assertThat(acks.counters().skipped()).isEqualTo(ackedOnes.size());
        assertThat(acks.ack(17)).as("acked before the restart").isEqualTo(AckResult.ALREADY);
        assertThat(acks.commitPoint(NO_CAP)).as("nothing new settled").isEqualTo(p);
    }

    @Test
    void kafkaPixysExample_atStart_skips1002_1003_and1010() {
        start(1000, "CCGB", AckSettings.DEFAULTS);
        acks.addFetched(span(1000, 1012), 1012);
        assertThat(offerAll(0))
                .containsExactly(1000L, 1001L, 1004L, 1005L, 1006L, 1007L, 1008L, 1009L, 1011L);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(1000, "CCGB", 2, 0));
    }

    @Test
    void aSkipRangeAtThePosition_isNotFetched() {
        start(1000, "CCGB", AckSettings.DEFAULTS);
        assertThat(acks.position()).isEqualTo(1000);
        acks.addFetched(span(1000, 1002), 1002);
        assertThat(acks.position()).as("past [1002,1004)").isEqualTo(1004);
        assertThat(acks.ack(1003)).isEqualTo(AckResult.ALREADY);
        assertThat(acks.ack(1010))
                .as("acked in the metadata, not fetched yet")
                .isEqualTo(AckResult.ALREADY);
        assertThat(acks.ack(1005)).isEqualTo(AckResult.NEVER_OFFERED);
        // nothing offered yet: the commit point keeps the metadata's ranges
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(1000, "CCGB", 2, 0));
    }

    @Test
    void undecodableStartMetadata_isIgnored_andEverythingFromTheOffsetIsOffered() {
        start(1000, "not-sparse-acks!", AckSettings.DEFAULTS);
        assertThat(acks.startMetadata().status()).isEqualTo(SparseAcks.Status.IGNORED);
        assertThat(acks.startMetadata().reason()).contains("'-'");
        acks.addFetched(span(1000, 1004), 1004);
        assertThat(offerAll(0)).containsExactly(1000L, 1001L, 1002L, 1003L);
    }

    // ------------------------------------------------------------ timeouts and redelivery

    @Test
    void anOfferNotAckedInTime_isOfferedAgain_beforeFreshOnes() {
        start(0, "", new AckSettings(1_000, 300, -1));
        acks.addFetched(span(0, 5), 5);
        assertThat(acks.next(0).offset()).isZero();
        assertThat(acks.next(500).offset()).isEqualTo(1);
        assertThat(acks.nextDeadlineMs()).isEqualTo(1_000);
        assertThat(acks.next(999).offset()).as("not yet due").isEqualTo(2);

        Offer<Msg> again = acks.next(1_000);
        assertThat(again.offset()).isZero();
        assertThat(again.deliveryCount()).isEqualTo(2);
        assertThat(again.redelivery()).isTrue();
        assertThat(acks.nextDeadlineMs()).isEqualTo(1_500);
        assertThat(acks.next(1_000).offset()).isEqualTo(3);
        assertThat(acks.counters().redelivered()).isEqualTo(1);
        assertThat(acks.counters().offered()).isEqualTo(5);
    }

    @Test
    void severalTimedOut_areRedeliveredLowestOffsetFirst() {
        start(0, "", new AckSettings(100, 300, -1));
        acks.addFetched(span(0, 4), 4);
        acks.next(0); // 0
        acks.next(0); // 1
        acks.next(0); // 2
        acks.takeBack(1);
        acks.next(0); // 1 again (taken back: first in line)
        assertThat(acks.expire(100)).as("0 and 2 time out; 1 is due at 100 too").isEqualTo(3);
        assertThat(offerAll(100)).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void aLateAckOfATimedOutOffer_settlesIt_andItIsNotOfferedAgain() {
        start(0, "", new AckSettings(100, 300, -1));
        acks.addFetched(span(0, 2), 2);
        acks.next(0);
        acks.expire(100);
        assertThat(acks.ack(0)).isEqualTo(AckResult.OK);
        assertThat(acks.next(100).offset()).isEqualTo(1);
        assertThat(acks.counters().redelivered()).isZero();
    }

    @Test
    void anAckAfterARedelivery_fromEitherClient_settlesOnce() {
        start(0, "", new AckSettings(100, 300, -1));
        acks.addFetched(span(0, 1), 1);
        acks.next(0);
        assertThat(acks.next(100).deliveryCount()).isEqualTo(2);
        assertThat(acks.ack(0)).as("the first client, late").isEqualTo(AckResult.OK);
        assertThat(acks.ack(0)).as("the second client").isEqualTo(AckResult.ALREADY);
        assertThat(acks.nextDeadlineMs()).isEqualTo(Long.MAX_VALUE);
    }

    // ------------------------------------------------------------ max-pending and fetching

    @Test
    void atMaxPending_noFreshOffer_butRedeliveriesStillGo() {
        start(0, "", new AckSettings(100, 2, -1));
        acks.addFetched(span(0, 10), 10);
        assertThat(offerAll(0)).containsExactly(0L, 1L);
        assertThat(acks.pending()).isEqualTo(2);
        assertThat(acks.next(50)).isNull();
        assertThat(acks.next(100).offset()).as("0 timed out").isZero();
        acks.ack(1);
        assertThat(acks.next(100).offset()).isEqualTo(2);
        assertThat(acks.next(100)).isNull();
    }

    @Test
    void wantsMore_untilMaxPendingRecordsAreHeld() {
        start(0, "", new AckSettings(100, 3, -1));
        assertThat(acks.wantsMore()).isTrue();
        acks.addFetched(span(0, 2), 2);
        assertThat(acks.wantsMore()).isTrue();
        acks.addFetched(span(2, 5), 5);
        assertThat(acks.held()).isEqualTo(5);
        assertThat(acks.wantsMore()).isFalse();
        offerAll(0); // 0, 1, 2 offered; 3, 4 held
        assertThat(acks.held()).isEqualTo(2);
        assertThat(acks.wantsMore()).isTrue();
        assertThat(acks.position()).isEqualTo(5);
    }

    @Test
    void fetchedRecords_belowThePosition_areIgnored_andDisorderIsRefused() {
        start(0);
        acks.addFetched(span(0, 3), 3);
        assertThat(acks.addFetched(span(1, 5), 5)).as("a batch starting before 3").isEqualTo(2);
        assertThat(acks.held()).isEqualTo(5);
        assertThatThrownBy(() -> acks.addFetched(msgs(7, 6), 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must ascend");
        assertThatThrownBy(() -> acks.addFetched(msgs(9), 9))
                .hasMessageContaining("below the next offset 9");
        assertThatThrownBy(() -> acks.addFetched(List.of(), 4))
                .hasMessageContaining("behind the position 5");
    }

    @Test
    void aNegativeStart_isRefused_withWhatToDo() {
        assertThatThrownBy(() -> start(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reset policy");
        acks = null;
    }

    // ------------------------------------------------------------ release, take-back, dead letter

    @Test
    void release_isAnAttempt_andTheLastOneGoesToTheDeadLetter() {
        start(0, "", new AckSettings(100, 300, 1));
        acks.addFetched(span(0, 2), 2);
        acks.next(0);
        assertThat(acks.release(0)).isEqualTo(ReleaseResult.RELEASED);
        Offer<Msg> again = acks.next(0);
        assertThat(again.offset()).isZero();
        assertThat(again.deliveryCount()).isEqualTo(2);
        assertThat(acks.release(0)).isEqualTo(ReleaseResult.DEAD_LETTERED);
        assertThat(deadLettered).containsExactly("0x2");
        assertThat(acks.counters().deadLettered()).isEqualTo(1);
        assertThat(acks.commitPoint(NO_CAP).offset())
                .as("dead-lettered counts as done")
                .isEqualTo(1);
        assertThat(acks.next(0).offset()).isEqualTo(1);
        assertThat(acks.ack(0)).isEqualTo(AckResult.ALREADY);
    }

    @Test
    void takeBack_isNotAnAttempt() {
        start(0, "", new AckSettings(100, 300, 0));
        acks.addFetched(span(0, 1), 1);
        for (int i = 1; i <= 5; i++) {
            assertThat(acks.next(0).deliveryCount()).isEqualTo(i);
            assertThat(acks.takeBack(0)).isEqualTo(ReleaseResult.RELEASED);
        }
        assertThat(deadLettered).isEmpty();
        acks.next(0);
        acks.expire(100); // the first attempt, and max-retries is 0
        assertThat(deadLettered).containsExactly("0x6");
        assertThat(acks.pending()).isZero();
    }

    @Test
    void maxRetriesTimeouts_thenTheDeadLetter_withTheDeliveryCount() {
        start(0, "", new AckSettings(100, 300, 2));
        acks.addFetched(span(0, 1), 1);
        long now = 0;
        assertThat(acks.next(now).deliveryCount()).isEqualTo(1);
        now += 100;
        assertThat(acks.next(now).deliveryCount()).isEqualTo(2);
        now += 100;
        assertThat(acks.next(now).deliveryCount()).isEqualTo(3);
        now += 100;
        assertThat(acks.next(now)).as("the third timeout is past max-retries 2").isNull();
        assertThat(deadLettered).containsExactly("0x3");
        assertThat(acks.commitPoint(NO_CAP).offset()).isEqualTo(1);
    }

    @Test
    void unlimitedRetries_neverDeadLetter() {
        start(0, "", new AckSettings(10, 300, -1));
        acks.addFetched(span(0, 1), 1);
        for (long now = 0; now < 10_000; now += 10) {
            assertThat(acks.next(now).offset()).isZero();
        }
        assertThat(deadLettered).isEmpty();
        assertThat(acks.counters().redelivered()).isEqualTo(999);
    }

    @Test
    void aDeadLetterThatCannotStore_keepsTheMessageUnsettled_andRetriesOnExpire() {
        start(0, "", new AckSettings(100, 300, 0));
        acks.addFetched(span(0, 2), 2);
        acks.next(0);
        deadLetterStores = false;
        acks.expire(100);
        assertThat(acks.pending()).isEqualTo(1);
        assertThat(acks.commitPoint(NO_CAP).offset()).as("not past a message nobody took").isZero();
        assertThat(acks.release(0)).isEqualTo(ReleaseResult.NOT_OUT);
        assertThat(acks.next(100).offset()).as("never offered again; 1 is fresh").isEqualTo(1);
        deadLetterStores = true;
        acks.expire(101);
        assertThat(deadLettered).containsExactly("0x1");
        assertThat(acks.commitPoint(NO_CAP).offset()).isEqualTo(1);
    }

    @Test
    void anAckWhileDueToTheDeadLetter_settlesIt() {
        start(0, "", new AckSettings(100, 300, 0));
        acks.addFetched(span(0, 1), 1);
        acks.next(0);
        deadLetterStores = false;
        acks.expire(100);
        assertThat(acks.ack(0)).isEqualTo(AckResult.OK);
        deadLetterStores = true;
        acks.expire(200);
        assertThat(deadLettered).isEmpty();
        assertThat(acks.commitPoint(NO_CAP).offset()).isEqualTo(1);
    }

    @Test
    void releaseAndTakeBack_sayWhyNothingChanged() {
        start(0, "", new AckSettings(100, 300, -1));
        acks.addFetched(span(0, 3), 3);
        acks.next(0);
        acks.next(0);
        acks.ack(1);
        assertThat(acks.release(1)).isEqualTo(ReleaseResult.SETTLED);
        assertThat(acks.takeBack(1)).isEqualTo(ReleaseResult.SETTLED);
        assertThat(acks.release(2)).isEqualTo(ReleaseResult.NEVER_OFFERED);
        assertThat(acks.takeBack(7)).isEqualTo(ReleaseResult.NEVER_OFFERED);
        assertThat(acks.takeBack(0)).isEqualTo(ReleaseResult.RELEASED);
        assertThat(acks.takeBack(0)).isEqualTo(ReleaseResult.NOT_OUT);
        assertThat(acks.release(0)).isEqualTo(ReleaseResult.NOT_OUT);
    }

    @Test
    void takeBackAll_putsEveryOutstandingOfferBackInLine_withoutAnAttempt() {
        start(0, "", new AckSettings(100, 300, 0));
        acks.addFetched(span(0, 4), 4);
        offerAll(0);
        acks.ack(2);
        assertThat(acks.takeBackAll()).isEqualTo(3);
        assertThat(acks.nextDeadlineMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(acks.expire(1_000)).isZero();
        assertThat(deadLettered).isEmpty();
        assertThat(offerAll(1_000)).containsExactly(0L, 1L, 3L);
        assertThat(acks.counters().redelivered()).isEqualTo(3);
    }

    // ------------------------------------------------------------ the metadata cap and memory

    @Test
    void overTheMetadataCap_theLowestRangesAreKept_andTheRestRedelivered_neverLost() {
        start(0, "", new AckSettings(100, 2_000, -1));
        acks.addFetched(span(0, 2_000), 2_000);
        offerAll(0);
        for (long o = 2; o < 2_000; o += 2) {
            acks.ack(o); // 999 single-offset ranges, 2 characters each
        }
        CommitPoint p = acks.commitPoint(100);
        assertThat(p.offset()).isZero();
        assertThat(p.metadata().length()).isLessThanOrEqualTo(100);
        assertThat(p.rangesKept()).isEqualTo(50);
        assertThat(p.rangesDropped()).isEqualTo(949);

        start(p.offset(), p.metadata(), new AckSettings(100, 2_000, -1));
        acks.addFetched(span(0, 2_000), 2_000);
        List<Long> again = offerAll(0);
        for (long o = 0; o < 2_000; o++) {
            boolean ackedAndKept = o % 2 == 0 && o >= 2 && o <= 100;
            assertThat(again.contains(o)).as("offset %d", o).isEqualTo(!ackedAndKept);
        }
    }

    @Test
    void aLongStreamOfInOrderAcks_leavesNothingBehind() {
        start(0, "", new AckSettings(100, 300, -1));
        long next = 0;
        for (int round = 0; round < 2_000; round++) {
            acks.addFetched(span(next, next + 500), next + 500);
            next += 500;
            for (Offer<Msg> o = acks.next(round); o != null; o = acks.next(round)) {
                acks.ack(o.offset());
            }
        }
        assertThat(acks.pending()).isZero();
        assertThat(acks.held()).isZero();
        assertThat(acks.counters().acked()).isEqualTo(1_000_000);
        assertThat(acks.commitPoint(NO_CAP)).isEqualTo(new CommitPoint(1_000_000, "", 0, 0));
    }

    @Test
    void oneStuckMessage_underManyAcks_isOneRange_notOnePerOffset() {
        start(0, "", new AckSettings(1_000_000, 300, -1));
        acks.addFetched(span(0, 100_001), 100_001);
        acks.next(0); // offset 0, never acked
        for (Offer<Msg> o = acks.next(0); o != null; o = acks.next(0)) {
            acks.ack(o.offset());
        }
        assertThat(acks.pending()).isEqualTo(1);
        assertThat(acks.commitPoint(NO_CAP).metadata())
                .isEqualTo(SparseAcks.encode(0, List.of(new Range(1, 100_001))));
    }

    @Test
    void settings_refuseBadValues_namingTheSetting() {
        assertThat(AckSettings.DEFAULTS).isEqualTo(new AckSettings(300_000, 300, -1));
        assertThatThrownBy(() -> new AckSettings(0, 1, -1))
                .hasMessageContaining("ack-timeout must be at least 1 ms, got 0");
        assertThatThrownBy(() -> new AckSettings(1, 0, -1))
                .hasMessageContaining("max-pending must be at least 1, got 0");
        assertThatThrownBy(() -> new AckSettings(1, 1, -2))
                .hasMessageContaining("max-retries must be -1 (no limit) or at least 0, got -2");
    }

    // ------------------------------------------------------------ the randomized model test

    /**
     * A reference model: one state per offset of a finite log, every rule applied by scanning. Slow
     * and obvious; the tracker must agree with it on every result, offer and counter, and its
     * commit point must be safe (no loss) and complete (no false redelivery) against it.
     */
    static final class Model {
        enum S {
            UNREAD,
            HELD,
            OUT,
            READY,
            DUE,
            SETTLED
        }

        final int n;
        final boolean[] record;
        final boolean[] skip;
        final long start;
        final AckSettings settings;
        final S[] state;
        final int[] deliveries;
        final int[] attempts;
        final long[] deadline;
        final Map<Long, Integer> deadLetterCalls = new HashMap<>();
        long position;
        long offered;
        long redelivered;
        long acked;
        long deadLettered;
        long skipped;

        Model(boolean[] record, boolean[] skip, long start, AckSettings settings) {
            this.n = record.length;
            this.record = record;
            this.skip = skip;
            this.start = start;
            this.settings = settings;
            state = new S[n];
            for (int o = 0; o < n; o++) {
                state[o] = o < start ? S.SETTLED : S.UNREAD;
            }
            deliveries = new int[n];
            attempts = new int[n];
            deadline = new long[n];
            position = start;
            stepOverSkips();
        }

        private void stepOverSkips() {
            while (position < n && skip[(int) position]) {
                position++;
            }
        }

        /** The dead letter refuses the first hand-over of every fifth offset. */
        static boolean stores(long offset, int call) {
            return offset % 5 != 0 || call >= 2;
        }

        List<Msg> fetch(long nextOffset, long from) {
            List<Msg> records = new ArrayList<>();
            for (long o = from; o < nextOffset; o++) {
                if (record[(int) o]) {
                    records.add(new Msg(o));
                }
            }
            for (long o = position; o < nextOffset; o++) {
                if (record[(int) o]) {
                    if (skip[(int) o]) {
                        state[(int) o] = S.SETTLED;
                        skipped++;
                    } else {
                        state[(int) o] = S.HELD;
                    }
                }
            }
            position = nextOffset;
            stepOverSkips();
            return records;
        }

        boolean unsettled(long o) {
            return o >= 0
                    && o < n
                    && (state[(int) o] == S.OUT
                            || state[(int) o] == S.READY
                            || state[(int) o] == S.DUE);
        }

        int unsettledCount() {
            int c = 0;
            for (int o = 0; o < n; o++) {
                c += unsettled(o) ? 1 : 0;
            }
            return c;
        }

        int heldCount() {
            int c = 0;
            for (int o = 0; o < n; o++) {
                c += state[o] == S.HELD ? 1 : 0;
            }
            return c;
        }

        long regionEnd() {
            for (int o = 0; o < position; o++) {
                if (state[o] == S.HELD) {
                    return o;
                }
            }
            return position;
        }

        boolean settledForAck(long o) {
            return o < regionEnd() || (o < n && skip[(int) o]);
        }

        void deadLetter(int o) {
            int call = deadLetterCalls.merge((long) o, 1, Integer::sum);
            if (stores(o, call)) {
                state[o] = S.SETTLED;
                deadLettered++;
            } else {
                state[o] = S.DUE;
            }
        }

        boolean fail(int o) {
            attempts[o]++;
            if (settings.retriesLimited() && attempts[o] > settings.maxRetries()) {
                deadLetter(o);
                return true;
            }
            state[o] = S.READY;
            return false;
        }

        int expire(long now) {
            List<Integer> due = new ArrayList<>();
            for (int o = 0; o < n; o++) {
                if (state[o] == S.DUE) {
                    due.add(o);
                }
            }
            due.forEach(this::deadLetter);
            int expired = 0;
            for (int o = 0; o < n; o++) {
                if (state[o] == S.OUT && deadline[o] <= now) {
                    fail(o);
                    expired++;
                }
            }
            return expired;
        }

        long[] next(long now) {
            expire(now);
            int pick = -1;
            for (int o = 0; o < n && pick < 0; o++) {
                if (state[o] == S.READY) {
                    pick = o;
                    redelivered++;
                }
            }
            if (pick < 0 && unsettledCount() < settings.maxPending()) {
                for (int o = 0; o < n && pick < 0; o++) {
                    if (state[o] == S.HELD) {
                        pick = o;
                    }
                }
            }
            if (pick < 0) {
                return null;
            }
            state[pick] = S.OUT;
            deliveries[pick]++;
            deadline[pick] = now + settings.ackTimeoutMs();
            offered++;
            return new long[] {pick, deliveries[pick]};
        }

        AckResult ack(long o) {
            if (unsettled(o)) {
                state[(int) o] = S.SETTLED;
                acked++;
                return AckResult.OK;
            }
            return settledForAck(o) ? AckResult.ALREADY : AckResult.NEVER_OFFERED;
        }

        int ackRange(long from, long to) {
            int c = 0;
            for (long o = from; o < to; o++) {
                if (unsettled(o)) {
                    state[(int) o] = S.SETTLED;
                    c++;
                }
            }
            acked += c;
            return c;
        }

        ReleaseResult release(long o, boolean attempt) {
            if (!unsettled(o)) {
                return settledForAck(o) ? ReleaseResult.SETTLED : ReleaseResult.NEVER_OFFERED;
            }
            if (state[(int) o] != S.OUT) {
                return ReleaseResult.NOT_OUT;
            }
            if (!attempt) {
                state[(int) o] = S.READY;
                return ReleaseResult.RELEASED;
            }
            return fail((int) o) ? ReleaseResult.DEAD_LETTERED : ReleaseResult.RELEASED;
        }

        int takeBackAll() {
            int c = 0;
            for (int o = 0; o < n; o++) {
                if (state[o] == S.OUT) {
                    state[o] = S.READY;
                    c++;
                }
            }
            return c;
        }

        /** Whether a new owner may skip the offset: nothing there will ever need delivering. */
        boolean settled(long o) {
            if (o >= n) {
                return false;
            }
            int i = (int) o;
            return skip[i] || (o < position && (state[i] == S.SETTLED || !record[i]));
        }

        long low() {
            long o = start;
            while (settled(o)) {
                o++;
            }
            return o;
        }
    }

    @Test
    void randomizedAgainstAReferenceModel_resultsOffersCountersAndCommitPoints_agree() {
        long seed = Long.getLong("ferry.seed", System.nanoTime()); // replay: -Dferry.seed=N
        Random rnd = new Random(seed);
        for (int run = 0; run < 80; run++) {
            modelRun(new Random(rnd.nextLong()), seed, run);
        }
    }

    private void modelRun(Random rnd, long seed, int run) {
        String where = "seed " + seed + " run " + run;
        int n = 50 + rnd.nextInt(250);
        boolean[] record = new boolean[n];
        for (int o = 0; o < n; o++) {
            record[o] = rnd.nextInt(5) != 0;
        }
        long startAt = rnd.nextInt(20);
        boolean[] skip = new boolean[n];
        List<Range> skipRanges = new ArrayList<>();
        for (int o = (int) startAt; o < n; ) {
            if (rnd.nextInt(12) == 0) {
                int len = 1 + rnd.nextInt(6);
                int to = Math.min(n, o + len);
                skipRanges.add(new Range(o, to));
                for (int k = o; k < to; k++) {
                    skip[k] = true;
                }
                o = to + 1; // never adjacent
            } else {
                o++;
            }
        }
        String metadata = SparseAcks.encode(startAt, skipRanges);
        AckSettings settings =
                new AckSettings(1 + rnd.nextInt(50), 1 + rnd.nextInt(20), rnd.nextInt(5) - 1);
        Model model = new Model(record, skip, startAt, settings);
        Map<Long, Integer> calls = new HashMap<>();
        acks =
                new PartitionAcks<>(
                        startAt,
                        metadata,
                        settings,
                        Msg::offset,
                        (offset, r, deliveryCount) -> {
                            assertThat(deliveryCount)
                                    .as(where)
                                    .isEqualTo(model.deliveries[(int) offset]);
                            return Model.stores(offset, calls.merge(offset, 1, Integer::sum));
                        });
        assertThat(acks.position()).as(where).isEqualTo(model.position);
        long now = 0;
        for (int step = 0; step < 400; step++) {
            String at = where + " step " + step;
            int op = rnd.nextInt(100);
            long target = pickOffset(rnd, model);
            if (op < 15) {
                if (model.position < n) {
                    long next = Math.min(n, model.position + 1 + rnd.nextInt(15));
                    long from = Math.max(0, model.position - rnd.nextInt(3));
                    List<Msg> records = model.fetch(next, from);
                    acks.addFetched(records, next);
                }
            } else if (op < 30) {
                now += rnd.nextInt(30);
            } else if (op < 55) {
                Offer<Msg> o = acks.next(now);
                long[] m = model.next(now);
                if (m == null) {
                    assertThat(o).as(at).isNull();
                } else {
                    assertThat(o).as(at).isNotNull();
                    assertThat(new long[] {o.offset(), o.deliveryCount()}).as(at).isEqualTo(m);
                }
            } else if (op < 75) {
                assertThat(acks.ack(target)).as(at + " ack " + target).isEqualTo(model.ack(target));
            } else if (op < 80) {
                long to = target + rnd.nextInt(8);
                assertThat(acks.ackRange(target, to)).as(at).isEqualTo(model.ackRange(target, to));
            } else if (op < 87) {
                assertThat(acks.release(target))
                        .as(at + " release " + target)
                        .isEqualTo(model.release(target, true));
            } else if (op < 94) {
                assertThat(acks.takeBack(target))
                        .as(at + " take back " + target)
                        .isEqualTo(model.release(target, false));
            } else if (op < 95) {
                assertThat(acks.takeBackAll()).as(at).isEqualTo(model.takeBackAll());
            } else {
                assertThat(acks.expire(now)).as(at).isEqualTo(model.expire(now));
            }
            checkAgainst(model, at, rnd);
        }
        checkRestart(model, where);
    }

    /** Mostly offsets near the action: offered, held, just past the position. */
    private static long pickOffset(Random rnd, Model model) {
        List<Long> unsettled = new ArrayList<>();
        for (int o = 0; o < model.n; o++) {
            if (model.unsettled(o)) {
                unsettled.add((long) o);
            }
        }
        if (!unsettled.isEmpty() && rnd.nextInt(3) != 0) {
            return unsettled.get(rnd.nextInt(unsettled.size()));
        }
        return rnd.nextInt(model.n + 5);
    }

    private void checkAgainst(Model model, String at, Random rnd) {
        assertThat(acks.invariantViolations()).as(at).isEmpty();
        assertThat(acks.counters())
                .as(at)
                .isEqualTo(
                        new PartitionAcks.Counters(
                                model.offered,
                                model.redelivered,
                                model.acked,
                                model.deadLettered,
                                model.skipped,
                                model.unsettledCount(),
                                model.heldCount()));
        assertThat(acks.position()).as(at).isEqualTo(model.position);
        CommitPoint p = acks.commitPoint(NO_CAP);
        long low = model.low();
        assertThat(p.offset()).as(at).isEqualTo(low);
        assertThat(acks.committableOffset()).as(at).isEqualTo(low);
        SparseAcks.Decoded d = SparseAcks.decode(p.offset(), p.metadata());
        assertThat(d.isOk()).as(at).isTrue();
        for (Range r : d.ranges()) {
            assertThat(r.from()).as(at + ": canonical").isGreaterThan(low);
            for (long o = r.from(); o < r.to(); o++) {
                assertThat(model.settled(o)).as(at + ": no loss at " + o).isTrue();
            }
        }
        for (long o = low; o < model.n; o++) {
            boolean mustSkip =
                    model.skip[(int) o]
                            || (model.record[(int) o] && model.state[(int) o] == Model.S.SETTLED);
            if (mustSkip) {
                long off = o;
                assertThat(d.ranges().stream().anyMatch(r -> r.contains(off)))
                        .as(at + ": no false redelivery at " + o)
                        .isTrue();
            }
        }
        int cap = rnd.nextInt(12);
        CommitPoint capped = acks.commitPoint(cap);
        assertThat(capped.metadata().length()).as(at).isLessThanOrEqualTo(cap);
        assertThat(capped.rangesKept() + capped.rangesDropped()).isEqualTo(p.rangesKept());
        assertThat(SparseAcks.decode(low, capped.metadata()).ranges())
                .as(at + ": the lowest ranges")
                .isEqualTo(d.ranges().subList(0, capped.rangesKept()));
    }

    /** A new owner from the commit point is offered exactly the unsettled records. */
    private void checkRestart(Model model, String where) {
        CommitPoint p = acks.commitPoint(NO_CAP);
        PartitionAcks<Msg> first = acks;
        start(p.offset(), p.metadata(), new AckSettings(1_000, 1, -1));
        List<Msg> log = new ArrayList<>();
        for (long o = 0; o < model.n; o++) {
            if (model.record[(int) o]) {
                log.add(new Msg(o));
            }
        }
        acks.addFetched(log, model.n);
        List<Long> offeredAgain = new ArrayList<>();
        for (Offer<Msg> o = acks.next(0); o != null; o = acks.next(0)) {
            offeredAgain.add(o.offset());
            acks.ack(o.offset());
        }
        List<Long> expected = new ArrayList<>();
        for (long o = p.offset(); o < model.n; o++) {
            if (model.record[(int) o] && !model.settled(o)) {
                expected.add(o);
            }
        }
        assertThat(offeredAgain).as(where + ": restart").isEqualTo(expected);
        assertThat(first.invariantViolations()).isEmpty();
    }
}
