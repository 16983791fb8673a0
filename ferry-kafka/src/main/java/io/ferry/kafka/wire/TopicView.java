package io.ferry.kafka.wire;

import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * One topic as a MetadataResponse described it; immutable.
 *
 * @param name the topic name
 * @param topicId the topic id, or {@link Uuid#ZERO_UUID} when unknown
 * @param internal whether Kafka marks the topic internal ({@code __consumer_offsets} ...)
 * @param error the topic's error, {@link WireError#NONE} when fine
 * @param partitions its partitions in order (empty with an error)
 */
public record TopicView(
        String name,
        Uuid topicId,
        boolean internal,
        WireError error,
        List<PartitionLeader> partitions) {
    /** Copies the list. */
    public TopicView {
        partitions = List.copyOf(partitions);
    }
}
