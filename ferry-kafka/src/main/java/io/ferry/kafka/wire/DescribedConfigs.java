package io.ferry.kafka.wire;

import java.util.Map;
import java.util.Objects;

/**
 * One topic's configs as a DescribeConfigs answer gave them; immutable.
 *
 * @param topic the topic
 * @param error the topic's error ({@link WireError#NONE} when {@code configs} are its values)
 * @param configs the configs asked for that the answer had, by Kafka's name, as Kafka's strings (a
 *     config whose value is null, such as a sensitive one, is left out)
 */
public record DescribedConfigs(String topic, WireError error, Map<String, String> configs) {
    /** Validates; copies the map. */
    public DescribedConfigs {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(error, "error");
        configs = Map.copyOf(configs);
    }
}
