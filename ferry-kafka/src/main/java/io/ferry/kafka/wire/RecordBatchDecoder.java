package io.ferry.kafka.wire;

import io.ferry.broker.Header;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;

/**
 * Decodes fetched record batches (any magic, any codec) into {@link FetchedBatch}es; stateless, any
 * thread. The counterpart of {@link RecordBatchEncoder}.
 */
final class RecordBatchDecoder {
    /* Design notes
     * Records.batches() walks whole batches and stops at a trailing partial one (a fetch cut at
     * maxBytes). Iterating a compressed RecordBatch decompresses all of it (gzip, snappy, lz4,
     * zstd). ensureValid() checks the CRC, as a KafkaConsumer with check.crcs=true does. A control
     * batch holds one control record whose key gives its type (ControlRecordType.parse). Keys,
     * values and header values are copied out of the (pooled or decompressed) buffers.
     */
    private RecordBatchDecoder() {}

    /**
     * Appends every complete batch of {@code records} to {@code out}, in order.
     *
     * @throws org.apache.kafka.common.KafkaException when a batch is corrupt or cannot be
     *     decompressed; the batches before it are in {@code out}
     */
    static void decode(Records records, List<FetchedBatch> out) {
        for (RecordBatch batch : records.batches()) {
            batch.ensureValid();
            FetchedBatch.Control control = FetchedBatch.Control.NONE;
            List<FetchedRecord> decoded = new ArrayList<>();
            if (batch.isControlBatch()) {
                Iterator<Record> it = batch.iterator();
                control = it.hasNext() ? control(it.next()) : FetchedBatch.Control.OTHER;
            } else {
                for (Record r : batch) {
                    decoded.add(
                            new FetchedRecord(
                                    r.offset(),
                                    r.timestamp(),
                                    bytes(r.key()),
                                    bytes(r.value()),
                                    headers(r.headers())));
                }
            }
            out.add(
                    new FetchedBatch(
                            batch.baseOffset(),
                            batch.lastOffset(),
                            batch.nextOffset(),
                            batch.partitionLeaderEpoch(),
                            batch.producerId(),
                            batch.producerEpoch(),
                            batch.isTransactional(),
                            control,
                            batch.sizeInBytes(),
                            decoded));
        }
    }

    private static FetchedBatch.Control control(Record r) {
        ControlRecordType type = ControlRecordType.parse(r.key());
        return switch (type) {
            case COMMIT -> FetchedBatch.Control.COMMIT;
            case ABORT -> FetchedBatch.Control.ABORT;
            default -> FetchedBatch.Control.OTHER;
        };
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static List<Header> headers(org.apache.kafka.common.header.Header[] hs) {
        if (hs.length == 0) {
            return List.of();
        }
        List<Header> out = new ArrayList<>(hs.length);
        for (org.apache.kafka.common.header.Header h : hs) {
            out.add(new Header(h.key(), h.value()));
        }
        return out;
    }
}
