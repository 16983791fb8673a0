package io.ferry.gateway;

import com.google.protobuf.CodedOutputStream;
import io.ferry.broker.Header;
import io.ferry.kafka.consume.ConsumedMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Encodes a {@code ferry.v1.ConsumeResponse} of messages straight from the engine's {@link
 * ConsumedMessage}s into protobuf's wire format; stateless, any thread. The bytes are exactly what
 * {@code ConsumeResponse.newBuilder().addMessages(...).build().toByteArray()} gives
 * (ConsumeFramesTest compares them), without the builders, the message objects and the second copy.
 */
final class ConsumeFrames {
    /* Design notes
     * The consume stream's hot path: at one frame per 500 messages, building a Message per record
     * (and a Header per header) and then serializing was a third of the event loop's time in the
     * bench. Two passes instead: the size of each Message (kept in an int[]), then one write into
     * an exact byte[]. Field order and the proto3 rules follow protobuf-java's serializer: fields in
     * number order, implicit-presence scalars omitted when 0, optional bytes written when present
     * (an empty key or value too), absent when null. Field numbers are ferry.proto's.
     */
    private static final int RESPONSE_MESSAGES = 1;
    private static final int PARTITION = 1;
    private static final int OFFSET = 2;
    private static final int KEY = 3;
    private static final int VALUE = 4;
    private static final int HEADERS = 5;
    private static final int TIMESTAMP = 6;
    private static final int DELIVERY_COUNT = 7;
    private static final int HEADER_KEY = 1;
    private static final int HEADER_VALUE = 2;

    private ConsumeFrames() {}

    /** The serialized ConsumeResponse carrying {@code messages}, in order. */
    static byte[] encode(List<ConsumedMessage> messages) {
        int n = messages.size();
        int[] sizes = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            int s = messageSize(messages.get(i));
            sizes[i] = s;
            total +=
                    CodedOutputStream.computeTagSize(RESPONSE_MESSAGES)
                            + CodedOutputStream.computeUInt32SizeNoTag(s)
                            + s;
        }
        byte[] out = new byte[total];
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        try {
            for (int i = 0; i < n; i++) {
                o.writeTag(RESPONSE_MESSAGES, 2);
                o.writeUInt32NoTag(sizes[i]);
                write(o, messages.get(i));
            }
            o.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a consume frame into its exact size", e);
        }
        return out;
    }

    private static int messageSize(ConsumedMessage m) {
        int s = 0;
        if (m.partition() != 0) {
            s += CodedOutputStream.computeInt32Size(PARTITION, m.partition());
        }
        if (m.offset() != 0) {
            s += CodedOutputStream.computeInt64Size(OFFSET, m.offset());
        }
        if (m.key() != null) {
            s += CodedOutputStream.computeByteArraySize(KEY, m.key());
        }
        if (m.value() != null) {
            s += CodedOutputStream.computeByteArraySize(VALUE, m.value());
        }
        for (Header h : m.headers()) {
            int hs = headerSize(h);
            s +=
                    CodedOutputStream.computeTagSize(HEADERS)
                            + CodedOutputStream.computeUInt32SizeNoTag(hs)
                            + hs;
        }
        if (m.timestampMs() != 0) {
            s += CodedOutputStream.computeInt64Size(TIMESTAMP, m.timestampMs());
        }
        if (m.deliveryCount() != 0) {
            s += CodedOutputStream.computeInt32Size(DELIVERY_COUNT, m.deliveryCount());
        }
        return s;
    }

    private static int headerSize(Header h) {
        int s = 0;
        if (!h.key().isEmpty()) {
            s += CodedOutputStream.computeStringSize(HEADER_KEY, h.key());
        }
        if (h.value() != null) {
            s += CodedOutputStream.computeByteArraySize(HEADER_VALUE, h.value());
        }
        return s;
    }

    private static void write(CodedOutputStream o, ConsumedMessage m) throws IOException {
        if (m.partition() != 0) {
            o.writeInt32(PARTITION, m.partition());
        }
        if (m.offset() != 0) {
            o.writeInt64(OFFSET, m.offset());
        }
        if (m.key() != null) {
            o.writeByteArray(KEY, m.key());
        }
        if (m.value() != null) {
            o.writeByteArray(VALUE, m.value());
        }
        for (Header h : m.headers()) {
            o.writeTag(HEADERS, 2);
            o.writeUInt32NoTag(headerSize(h));
            if (!h.key().isEmpty()) {
                o.writeString(HEADER_KEY, h.key());
            }
            if (h.value() != null) {
                o.writeByteArray(HEADER_VALUE, h.value());
            }
        }
        if (m.timestampMs() != 0) {
            o.writeInt64(TIMESTAMP, m.timestampMs());
        }
        if (m.deliveryCount() != 0) {
            o.writeInt32(DELIVERY_COUNT, m.deliveryCount());
        }
    }
}
