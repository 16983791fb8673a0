package io.ferry.gateway;

import io.ferry.kafka.consume.ConsumedMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kafka-pixy's consume-and-acknowledge call over the {@link ConsumeService}, shared by its REST and
 * gRPC front ends (CONSUME-NOTES section 6): acknowledge the previous message (or none, or the one
 * returned), then take one message with the cluster's long-poll timeout. Any thread; never blocks.
 */
final class PixyConsume {
    /* Design notes
     * kafka-pixy's clients resend the previous message's partition and offset with each call;
     * an acknowledgement this gateway cannot take (the group moved, the message was offered by
     * another instance, it was acknowledged already) does not fail the call: the client cannot
     * do anything about it, and kafka-pixy's own clients would loop on the error. The message is
     * then offered again (to whoever owns it) after the ack timeout; the refusal is counted and
     * logged at most every 5 s. Every other refusal of the ack (bad input, unknown cluster or
     * topic) fails the call, as the take would.
     * AUTO acknowledges the message before the front end answers, as kafka-pixy does: an answer
     * that then cannot be written loses the message. A front end that can tell when its answer
     * was written (REST: the write's future) takes with NONE instead and calls ackDelivered once
     * it was, giving the message back when it was not.
     */
    private static final Logger LOG = LoggerFactory.getLogger(PixyConsume.class);

    /** Which message a call acknowledges. */
    enum AckMode {
        /** None ({@code no_ack}, {@code noAck}). */
        NONE,
        /** The one it returns, before returning it ({@code auto_ack}; REST's default). */
        AUTO,
        /** The one named by partition and offset ({@code ack_partition}/{@code ack_offset}). */
        GIVEN
    }

    /** No message came within the long-poll timeout: kafka-pixy's 408 / {@code NOT_FOUND}. */
    static final class LongPollTimeout extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LongPollTimeout(String message) {
            super(message, null, false, false);
        }
    }

    private final ConsumeService service;
    private volatile long lastLoggedMs;

    /** Acknowledgements sent with a consume call that this gateway could not take. */
    final LongAdder acksNotTaken = new LongAdder();

    PixyConsume(ConsumeService service) {
        this.service = service;
    }

    /**
     * Acknowledges as {@code mode} says, then takes the next message of {@code topic} for {@code
     * group}. The future fails with {@link LongPollTimeout} when none came in time, or a {@link
     * ConsumeRefused}. Cancel it when the client goes away; give the message back ({@link
     * ConsumeService#giveBack}) when it could not be written.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete stages: their effect is `out`
    CompletableFuture<ConsumedMessage> consumeNAck(
            CallContext ctx,
            String cluster,
            String topic,
            String group,
            AckMode mode,
            int ackPartition,
            long ackOffset) {
        if (mode == AckMode.GIVEN) {
            try {
                service.ack(ctx, cluster, topic, group, ackPartition, ackOffset);
            } catch (ConsumeRefused e) {
                switch (e.code) {
                    case NOT_CONSUMED_HERE, NOT_OWNED, NEVER_OFFERED -> notTaken(group, e);
                    default -> {
                        return CompletableFuture.failedFuture(e);
                    }
                }
            }
        }
        CompletableFuture<List<ConsumedMessage>> take;
        try {
            take = service.take(ctx, cluster, topic, group, 1, null);
        } catch (ConsumeRefused e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<ConsumedMessage> out = new CompletableFuture<>();
        out.whenComplete(
                (v, e) -> {
                    if (out.isCancelled()) {
                        take.cancel(false);
                    }
                });
        take.whenComplete(
                (msgs, e) -> {
                    if (e != null) {
                        out.completeExceptionally(ConsumeService.refusal(e));
                        return;
                    }
                    if (msgs.isEmpty()) {
                        out.completeExceptionally(
                                new LongPollTimeout(
                                        "long polling timeout: no message of topic '"
                                                + topic
                                                + "' for group '"
                                                + group
                                                + "' came in time; call again"));
                        return;
                    }
                    ConsumedMessage m = msgs.get(0);
                    if (mode == AckMode.AUTO) {
                        try {
                            service.ack(ctx, cluster, topic, group, m.partition(), m.offset());
                        } catch (ConsumeRefused r) {
                            notTaken(group, r); // the partition moved meanwhile: redelivered
                        }
                    }
                    if (!out.complete(m) && mode != AckMode.AUTO) {
                        service.giveBack(cluster, group, msgs);
                    }
                });
        return out;
    }

    /**
     * Acknowledges {@code m}, taken by a {@link #consumeNAck} with {@link AckMode#NONE}, once its
     * answer was written: {@link AckMode#AUTO} after the write instead of before it. A refusal (the
     * partition moved meanwhile, the gateway is closing) is counted and logged as for an ack sent
     * with a call; the message is then offered again after the ack timeout.
     */
    void ackDelivered(CallContext ctx, String cluster, String group, ConsumedMessage m) {
        try {
            service.ack(ctx, cluster, m.topic(), group, m.partition(), m.offset());
        } catch (ConsumeRefused e) {
            notTaken(group, e);
        }
    }

    private void notTaken(String group, ConsumeRefused e) {
        acksNotTaken.increment();
        long now = System.currentTimeMillis();
        if (now - lastLoggedMs >= 5_000) {
            lastLoggedMs = now;
            LOG.info(
                    "group {}: an acknowledgement sent with a consume call was not taken ({}): {};"
                            + " the message is offered again after the ack timeout ({} such so"
                            + " far)",
                    group,
                    ConsumeRefused.wireName(e.code),
                    e.getMessage(),
                    acksNotTaken.sum());
        }
    }
}
