package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.FakeKafka;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The metadata cache: versioned snapshots, epochs, ids, missing topics, listeners. */
class MetadataCacheTest {
    private final FakeKafka kafka = FakeKafka.withNodes(3).topic("t", 0, 1);
    private final MetadataCache cache = new MetadataCache();
    private final List<long[]> changes = new ArrayList<>();

    MetadataCacheTest() {
        cache.addListener(
                (before, after) -> changes.add(new long[] {before.version(), after.version()}));
    }

    private void refresh(String... topics) {
        ClusterView v = kafka.view(List.of(topics));
        cache.update(v, 1_000);
    }

    @Test
    void anUpdate_publishesANewVersion_andTellsTheListeners() {
        refresh("t");
        assertThat(cache.snapshot().version()).isEqualTo(1);
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0)).containsExactly(0, 1);
        assertThat(cache.partitionCount("t")).isEqualTo(2);
        assertThat(cache.leader(new TopicPartition("t", 1)).id()).isEqualTo(1);
    }

    @Test
    void topicsAreKnownByName_andById() {
        refresh("t");
        assertThat(cache.topicId("t")).isEqualTo(kafka.topicId("t"));
        assertThat(cache.topicName(kafka.topicId("t"))).isEqualTo("t");
    }

    @Test
    void addedPartitions_areTaken() {
        refresh("t");
        kafka.addPartitions("t", 2, 2);
        refresh("t");
        assertThat(cache.partitionCount("t")).isEqualTo(4);
    }

    @Test
    void aHint_isNotUndoneByAnOlderMetadataAnswer() {
        refresh("t");
        ClusterView old = kafka.view(List.of("t")); // epoch 0, leader 0
        kafka.moveLeader("t", 0, 2);
        cache.hint(new TopicPartition("t", 0), kafka.node(2), kafka.epoch("t", 0));
        cache.update(old, 2_000); // late: older epoch
        assertThat(cache.leader(new TopicPartition("t", 0)).id()).isEqualTo(2);
    }

    @Test
    void aRecreatedTopic_isTakenWhole_whateverItsEpochs() {
        kafka.moveLeader("t", 0, 1).moveLeader("t", 0, 1); // epoch 2
        refresh("t");
        FakeKafka recreated =
                FakeKafka.withNodes(3).topic("t", 2); // a new id, epoch 0, one partition
        cache.update(recreated.view(List.of("t")), 2_000);
        assertThat(cache.topicId("t")).isEqualTo(recreated.topicId("t"));
        assertThat(cache.partitionCount("t")).isEqualTo(1);
        assertThat(cache.leader(new TopicPartition("t", 0)).id()).isEqualTo(2);
    }

    @Test
    void aMissingTopic_isKnownAsMissing_notUnknown() {
        refresh("nope");
        MetadataCache.Topic t = cache.snapshot().topic("nope");
        assertThat(t.missing()).isTrue();
        assertThat(cache.partitionCount("nope")).isEqualTo(-1);
        assertThat(cache.snapshot().topic("never-asked")).isNull();
    }

    @Test
    void aTransientTopicError_keepsWhatWasKnown() {
        refresh("t");
        kafka.topicError("t", "LEADER_NOT_AVAILABLE");
        refresh("t");
        assertThat(cache.partitionCount("t")).isEqualTo(2);
        assertThat(cache.snapshot().topic("t").error().name()).isEqualTo("LEADER_NOT_AVAILABLE");
    }

    @Test
    void aListing_keepsTheNames_butNoPartitionsOfTopicsNobodyUses() {
        kafka.topic("other", 0);
        cache.update(kafka.view(null), 1_000);
        assertThat(cache.snapshot().allTopics()).containsExactly("other", "t");
        assertThat(cache.snapshot().topic("other")).isNull();
    }

    @Test
    void forgottenTopics_leaveTheCache() {
        refresh("t");
        cache.forget(List.of("t"));
        assertThat(cache.snapshot().topic("t")).isNull();
        assertThat(changes).hasSize(2);
    }
}
