package io.ferry.kafka.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;

/**
 * Blocking helpers over real {@link NetworkNodeChannel}s for the wire contract tests: each waits at
 * most 30 s and fails the test past it. Used by the test thread only.
 */
final class LiveChannels {
    private static final long WAIT_MS = 30_000;

    private LiveChannels() {}

    /** The first bootstrap address as a node of unknown id. */
    static Node bootstrapNode(InProcessKafka cluster) {
        String[] hp = cluster.bootstrap().split(",")[0].split(":");
        return new Node(-1, hp[0], Integer.parseInt(hp[1]));
    }

    /** A channel to {@code node} for {@code purpose}: 30 s request timeout, 5 in flight. */
    static NetworkNodeChannel open(Node node, String purpose) {
        return NetworkNodeChannel.open(Map.of(), "contract", purpose, node, 30_000, 5);
    }

    static void awaitReady(NodeChannel c) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!c.ready(System.currentTimeMillis())) {
            assertThat(System.currentTimeMillis()).as("ready within 30 s").isLessThan(deadline);
            c.poll(50, System.currentTimeMillis());
        }
    }

    /** Sends {@code request} and waits for its outcome. */
    static <R> Outcome<R> call(NodeChannel c, WireRequest<R> request) {
        awaitReady(c);
        AtomicReference<Outcome<R>> got = new AtomicReference<>();
        c.send(request, System.currentTimeMillis(), got::set);
        return await(c, got, WAIT_MS);
    }

    /** Sends {@code request} and returns its answer, failing the test on a transport failure. */
    static <R> R answer(NodeChannel c, WireRequest<R> request) {
        Outcome<R> o = call(c, request);
        assertThat(o.succeeded()).as(request.apiName() + ": " + o.failure()).isTrue();
        return o.response();
    }

    /** Polls {@code c} until {@code slot} is set, at most {@code waitMs}. */
    static <T> T await(NodeChannel c, AtomicReference<T> slot, long waitMs) {
        long deadline = System.currentTimeMillis() + waitMs;
        while (slot.get() == null) {
            assertThat(System.currentTimeMillis())
                    .as("answer within %d ms", waitMs)
                    .isLessThan(deadline);
            c.poll(100, System.currentTimeMillis());
        }
        return slot.get();
    }

    static ClusterView metadata(NodeChannel c, String topic) {
        return answer(c, new WireRequest.Metadata(topic == null ? null : List.of(topic), false));
    }

    /** The metadata of a topic created a moment ago, once its partitions have leaders. */
    static TopicView created(NodeChannel c, String topic) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            TopicView t = metadata(c, topic).topics().get(topic);
            if (!t.partitions().isEmpty()
                    && t.partitions().stream().allMatch(p -> p.leader() != null)) {
                return t;
            }
            assertThat(System.currentTimeMillis())
                    .as("%s online within 30 s", topic)
                    .isLessThan(deadline);
        }
    }

    /**
     * Waits until the leader serves {@code p} without error (30 s at most): a broker's metadata
     * names a new partition's leader a moment before that broker leads it, and a partition's error
     * then recovery would otherwise look like news in an incremental fetch, or end a long poll.
     */
    static void awaitServed(NodeChannel leader, FetchPartition p) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            FetchResult r =
                    answer(
                            leader,
                            WireRequest.Fetch.sessionless(
                                    List.of(p), 0, 0, 1 << 20, IsolationLevel.READ_UNCOMMITTED));
            FetchedPartition got = r.partitions().get(p.partition());
            WireError e = got == null ? r.error() : got.error();
            if (e.isNone()) {
                return;
            }
            assertThat(e.retriable()).as(e.toString()).isTrue();
            assertThat(System.currentTimeMillis())
                    .as("%s served within 30 s: %s", p.partition(), e)
                    .isLessThan(deadline);
        }
    }

    /**
     * The coordinator of {@code group}, asked on {@code control} until it answers without error
     * (COORDINATOR_NOT_AVAILABLE until {@code __consumer_offsets} exists).
     */
    static Node coordinator(NodeChannel control, String group) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            Coordinator c =
                    answer(control, new WireRequest.FindCoordinator(List.of(group))).get(group);
            if (c.error().isNone()) {
                return c.node();
            }
            assertThat(c.error().retriable()).as(c.error().toString()).isTrue();
            assertThat(System.currentTimeMillis())
                    .as("a coordinator for %s within 30 s: %s", group, c.error())
                    .isLessThan(deadline);
        }
    }

    /**
     * A channel to one group's coordinator that follows it: a request answered with a coordinator
     * error ({@link WireError#isCoordinatorError()}) is sent again after FindCoordinator, for 30 s
     * at most. Closes the channel it opened (not the control channel).
     */
    static final class GroupChannel implements AutoCloseable {
        private final NodeChannel control;
        private final String group;
        private NetworkNodeChannel channel;

        GroupChannel(NodeChannel control, String group) {
            this.control = control;
            this.group = group;
        }

        /** The control channel it finds the coordinator on. */
        NodeChannel control() {
            return control;
        }

        /** The channel to the coordinator now. */
        NetworkNodeChannel channel() {
            if (channel == null) {
                channel = open(coordinator(control, group), "group");
            }
            return channel;
        }

        /** Sends {@code request}; again after FindCoordinator while {@code error} says so. */
        <R> R call(WireRequest<R> request, Function<R, WireError> error) {
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (true) {
                R r = answer(channel(), request);
                WireError e = error.apply(r);
                if (!e.isCoordinatorError()) {
                    return r;
                }
                assertThat(System.currentTimeMillis())
                        .as("%s served within 30 s: %s", request.apiName(), e)
                        .isLessThan(deadline);
                channel.close();
                channel = null;
            }
        }

        @Override
        public void close() {
            if (channel != null) {
                channel.close();
            }
        }
    }
}
