package io.ferry.kafka.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * {@link FetchSession} driven with Ferry-side answers only, as the consume engine's unit tests will
 * drive it through a fake channel (the live protocol is {@code FetchWireIT}'s).
 */
class FetchSessionTest {
    private static final Uuid ID = Uuid.randomUuid();
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private final FetchSession session = new FetchSession(0, "[test] ");

    private static FetchPartition at(TopicPartition tp, long offset) {
        return FetchPartition.of(tp, ID, offset, 0, 1024);
    }

    private WireRequest.Fetch round(FetchPartition... wanted) {
        return session.nextRequest(
                List.of(wanted), 100, 1, 1 << 20, IsolationLevel.READ_COMMITTED, "");
    }

    private static FetchResult answer(int sessionId, TopicPartition... partitions) {
        return answer(WireError.NONE, sessionId, partitions);
    }

    private static FetchResult answer(
            WireError error, int sessionId, TopicPartition... partitions) {
        Map<TopicPartition, FetchedPartition> ps = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            ps.put(
                    tp,
                    new FetchedPartition(
                            ID, WireError.NONE, 5, 5, 0, List.of(), -1, null, -1, List.of()));
        }
        return new FetchResult(error, sessionId, 0, (short) 18, ps);
    }

    private static WireError error(Errors e) {
        return WireError.of(e.code(), null);
    }

    @Test
    void firstRound_isAFullFetchThatOpensASession_thenOnlyChangesAreSent() {
        WireRequest.Fetch full = round(at(P0, 0), at(P1, 0));
        assertThat(full.session().isFull()).isTrue();
        assertThat(full.session().epoch()).isZero();
        assertThat(full.partitions()).extracting(FetchPartition::partition).containsExactly(P0, P1);
        assertThat(full.useTopicIds()).isTrue();
        assertThat(full.topicNames()).containsExactly(Map.entry(ID, "t"));
        assertThat(full.isolation()).isEqualTo(IsolationLevel.READ_COMMITTED);

        assertThat(session.handleResponse(answer(42, P0, P1))).isTrue();
        assertThat(session.sessionId()).isEqualTo(42);

        WireRequest.Fetch next = round(at(P0, 5), at(P1, 0));
        assertThat(next.session().isFull()).isFalse();
        assertThat(next.session().id()).isEqualTo(42);
        assertThat(next.session().epoch()).isEqualTo(1);
        assertThat(next.partitions()).extracting(FetchPartition::partition).containsExactly(P0);
        assertThat(next.session().topicNames())
                .as("an incremental answer is read with the session's names")
                .containsExactly(Map.entry(ID, "t"));
        assertThat(session.handleResponse(answer(42, P1)))
                .as("an incremental answer may leave partitions out")
                .isTrue();
    }

    @Test
    void aPartitionNoLongerWanted_isForgotten() {
        round(at(P0, 0), at(P1, 0));
        session.handleResponse(answer(42, P0, P1));

        WireRequest.Fetch next = round(at(P0, 0));
        assertThat(next.partitions()).isEmpty();
        assertThat(next.session().forgotten())
                .extracting(t -> t.topicPartition())
                .containsExactly(P1);
        assertThat(next.session().forgotten().get(0).topicId()).isEqualTo(ID);
        session.handleResponse(answer(42));
        assertThat(session.sessionPartitions()).containsExactly(P0);
    }

    @Test
    void aSessionError_isRejected_andTheNextRoundIsFull() {
        round(at(P0, 0), at(P1, 0));
        session.handleResponse(answer(42, P0, P1));
        round(at(P0, 5), at(P1, 0));

        assertThat(session.handleResponse(answer(error(Errors.FETCH_SESSION_ID_NOT_FOUND), 0)))
                .isFalse();
        WireRequest.Fetch again = round(at(P0, 5), at(P1, 0));
        assertThat(again.session().isFull()).isTrue();
        assertThat(again.session().id()).as("a new session").isZero();
        assertThat(again.partitions()).hasSize(2);
    }

    @Test
    void aFullAnswerMissingAPartition_isRejected() {
        round(at(P0, 0), at(P1, 0));
        assertThat(session.handleResponse(answer(42, P0))).isFalse();
        assertThat(round(at(P0, 0), at(P1, 0)).session().isFull()).isTrue();
    }

    @Test
    void aTransportFailure_makesTheNextRoundFull_replacingTheSession() {
        round(at(P0, 0), at(P1, 0));
        session.handleResponse(answer(42, P0, P1));
        round(at(P0, 5), at(P1, 0));

        session.handleFailure(WireFailure.disconnected("gone"));
        WireRequest.Fetch again = round(at(P0, 5), at(P1, 0));
        assertThat(again.session().isFull()).isTrue();
        assertThat(again.session().id()).as("closes the old session").isEqualTo(42);
        assertThat(again.session().epoch()).as("and opens a new one").isZero();
        assertThat(again.partitions()).hasSize(2);
    }

    @Test
    void close_makesTheNextRoundCloseTheSession() {
        round(at(P0, 0));
        session.handleResponse(answer(42, P0));
        session.close();
        WireRequest.Fetch closing = round();
        assertThat(closing.session().id()).isEqualTo(42);
        assertThat(closing.session().epoch()).isEqualTo(-1);
    }

    @Test
    void aPartitionWithoutTopicId_capsTheFetchAtV12() {
        WireRequest.Fetch f =
                session.nextRequest(
                        List.of(FetchPartition.of(P0, Uuid.ZERO_UUID, 0, -1, 1024)),
                        100,
                        1,
                        1 << 20,
                        IsolationLevel.READ_UNCOMMITTED,
                        "");
        assertThat(f.useTopicIds()).isFalse();
        assertThat(f.session().topicNames()).isEmpty();
    }

    @Test
    void sessionless_isAFullFetchWithoutSession() {
        WireRequest.Fetch f =
                WireRequest.Fetch.sessionless(
                        List.of(at(P0, 3)), 100, 1, 1 << 20, IsolationLevel.READ_UNCOMMITTED);
        assertThat(f.session()).isEqualTo(WireRequest.Fetch.Session.NONE);
        assertThat(f.session().isFull()).isTrue();
        assertThat(f.useTopicIds()).isTrue();
        assertThat(f.topicNames()).containsExactly(Map.entry(ID, "t"));
    }
}
