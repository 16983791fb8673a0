package io.ferry.kafka.wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What one Fetch answered; immutable.
 *
 * <p>An incremental answer (a fetch session) carries only the partitions with something new; the
 * others are unchanged. Feed every answer of a session to {@link FetchSession#handleResponse}
 * before using it.
 *
 * @param error the top-level error: {@link WireError#NONE}, or a session error ({@code
 *     FETCH_SESSION_ID_NOT_FOUND}, {@code INVALID_FETCH_SESSION_EPOCH} ...) with no partitions
 * @param sessionId the fetch session the broker keeps for this client (0: none)
 * @param throttleTimeMs how long a quota asks the client to wait before the next fetch
 * @param version the Fetch version the request went out with (13 and later name topics by id);
 *     {@link FetchSession} needs it
 * @param partitions per partition answered, in the broker's order
 */
public record FetchResult(
        WireError error,
        int sessionId,
        int throttleTimeMs,
        short version,
        Map<TopicPartition, FetchedPartition> partitions) {
    /** Copies the map, keeping its order. */
    public FetchResult {
        partitions = Collections.unmodifiableMap(new LinkedHashMap<>(partitions));
    }
}
