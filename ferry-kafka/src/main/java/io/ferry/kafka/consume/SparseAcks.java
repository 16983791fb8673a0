package io.ferry.kafka.consume;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * kafka-pixy's encoding of the acknowledged offset ranges above a committed offset, carried in the
 * commit metadata; stateless, callable from any thread.
 *
 * <p>A group migrated from kafka-pixy, or taken over by another Ferry, finds its out-of-order
 * acknowledgements here: a new owner starts at the committed offset and skips these ranges.
 *
 * <pre>
 *   metadata = range*            range [from, to) = varint(from - base) varint(to - from)
 *   base     = the committed offset for the first range, then the previous range's to
 *
 *   varint   = char*             little-endian groups of 5 bits, lowest group first
 *   char     = ALPHABET[bits]    bits 0x1F: 5 data bits; 0x20: another char follows
 *   ALPHABET = A-Z a-z 0-9 + /   (the standard base64 alphabet, no padding)
 *
 *   offset 1000, acked [1002,1004) and [1010,1011):
 *     2 -> 'C', 2 -> 'C', 1010-1004=6 -> 'G', 1 -> 'B'     metadata "CCGB"
 *     shown as sparse_acks "2-4,10-11" (from and to relative to the offset, to exclusive)
 * </pre>
 *
 * <p>Every character is ASCII, so the metadata's length in UTF-16 characters (what Kafka's {@code
 * offset.metadata.max.bytes} counts) equals its length in bytes.
 */
public final class SparseAcks {
    /*
     * Design notes for maintainers.
     *
     * - Decoding never throws on bad input: metadata is written by whoever committed last (a
     *   kafka-pixy, an older Ferry, a tool, another application sharing the group). A string that
     *   is not this encoding comes back IGNORED with a reason; the tracker then starts at the
     *   committed offset alone, which redelivers instead of losing.
     * - Any string over the alphabet whose numbers parse is accepted: the format has no magic or
     *   checksum, so foreign metadata made of base64 letters could decode as ranges. That is
     *   kafka-pixy's format; Ferry keeps it for compatibility and says so in docs/consume.md.
     * - A zero gap (a range starting where the previous one ended, or at the committed offset)
     *   is not produced by kafka-pixy or Ferry but is decodable: adjacent ranges are merged.
     * - Facts checked against kafka-pixy's offsettrk package: alphabet, bit order, continuation
     *   bit, relative bases, the rendering of sparse_acks.
     */

    /** The alphabet: a character's index is its 6-bit value. */
    static final String ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /** Data bits per character. */
    static final int DATA_BITS = 5;

    /** Mask of a character's data bits. */
    static final int DATA_MASK = 0x1F;

    /** A character's continuation bit: another character of the same number follows. */
    static final int CONTINUATION = 0x20;

    /** The most characters a number takes: 13 x 5 bits cover a non-negative long's 63 bits. */
    static final int MAX_VARINT_CHARS = 13;

    /** Kafka's default {@code offset.metadata.max.bytes}, counted in UTF-16 characters. */
    public static final int DEFAULT_MAX_METADATA_CHARS = 4096;

    private static final byte[] DECODE = new byte[128];

    static {
        Arrays.fill(DECODE, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            DECODE[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    private SparseAcks() {}

    /**
     * A half-open range {@code [from, to)} of acknowledged (settled) offsets.
     *
     * @param from the first offset in the range
     * @param to the offset after the last one, greater than {@code from}
     */
    public record Range(long from, long to) {
        /** Checks that the range is non-empty and not negative. */
        public Range {
            if (from < 0 || to <= from) {
                throw new IllegalArgumentException(
                        "an acked range needs 0 <= from < to, got [" + from + "," + to + ")");
            }
        }

        /** The number of offsets in the range. */
        public long length() {
            return to - from;
        }

        /** Whether the offset lies in the range. */
        public boolean contains(long offset) {
            return offset >= from && offset < to;
        }
    }

    /** Whether metadata was understood. */
    public enum Status {
        /** Decoded; the ranges (possibly none) are to be skipped. */
        OK,
        /** Not this encoding (or no committed offset to count from): ignored, see the reason. */
        IGNORED
    }

    /**
     * The result of {@link #decode}: the ranges, or why the metadata was ignored.
     *
     * @param status whether the metadata was understood
     * @param ranges the acknowledged ranges in ascending order, disjoint and not adjacent; empty
     *     when ignored
     * @param reason why it was ignored, in words; empty when {@link Status#OK}
     */
    public record Decoded(Status status, List<Range> ranges, String reason) {
        /** Copies the list. */
        public Decoded {
            Objects.requireNonNull(status, "status");
            ranges = List.copyOf(ranges);
            Objects.requireNonNull(reason, "reason");
        }

        static Decoded ok(List<Range> ranges) {
            return new Decoded(Status.OK, ranges, "");
        }

        static Decoded ignored(String reason) {
            return new Decoded(Status.IGNORED, List.of(), reason);
        }

        /** Whether the metadata was understood. */
        public boolean isOk() {
            return status == Status.OK;
        }
    }

    /**
     * The result of {@link #encode(long, List, int)}.
     *
     * @param metadata the encoded lowest ranges that fit
     * @param rangesKept how many ranges, from the lowest, it holds
     * @param rangesDropped how many higher ranges did not fit (their offsets will be redelivered to
     *     a new owner, never lost)
     */
    public record Encoded(String metadata, int rangesKept, int rangesDropped) {
        /** Checks the fields. */
        public Encoded {
            Objects.requireNonNull(metadata, "metadata");
        }
    }

    /**
     * Encodes every range, with no length cap.
     *
     * @param committedOffset the committed offset the first range counts from
     * @param ranges ascending, disjoint ranges, each at or above the previous one's end and the
     *     first at or above {@code committedOffset}
     * @return the metadata; empty when there are no ranges
     * @throws IllegalArgumentException when the ranges are out of order or below the offset
     */
    public static String encode(long committedOffset, List<Range> ranges) {
        return encode(committedOffset, ranges, Integer.MAX_VALUE).metadata();
    }

    /**
     * Encodes the lowest ranges that fit in {@code maxChars} characters and drops the rest.
     *
     * <p>Dropping high ranges is safe: a new owner redelivers their offsets. Keeping a later range
     * after a dropped one would also be safe but is not done: the lowest ranges are the ones that
     * hold the committed offset back the longest.
     *
     * @param committedOffset the committed offset the first range counts from, not negative
     * @param ranges ascending, disjoint ranges, each at or above the previous one's end and the
     *     first at or above {@code committedOffset}
     * @param maxChars the longest metadata allowed (Kafka's {@code offset.metadata.max.bytes},
     *     default {@value #DEFAULT_MAX_METADATA_CHARS}), not negative
     * @return the metadata and how many ranges it kept and dropped
     * @throws IllegalArgumentException when the ranges are out of order or below the offset, or
     *     {@code maxChars} is negative
     */
    public static Encoded encode(long committedOffset, List<Range> ranges, int maxChars) {
        if (committedOffset < 0) {
            throw new IllegalArgumentException(
                    "the committed offset must not be negative, got " + committedOffset);
        }
        if (maxChars < 0) {
            throw new IllegalArgumentException(
                    "the metadata length cap must not be negative, got " + maxChars);
        }
        StringBuilder out = new StringBuilder(Math.min(ranges.size() * 4, 256));
        long base = committedOffset;
        int kept = 0;
        boolean full = false;
        for (Range r : ranges) {
            if (r.from() < base) {
                throw new IllegalArgumentException(
                        "acked ranges must be ascending and at or above the committed offset "
                                + committedOffset
                                + ": ["
                                + r.from()
                                + ","
                                + r.to()
                                + ") starts below "
                                + base);
            }
            if (!full) {
                int len = varintChars(r.from() - base) + varintChars(r.length());
                if (out.length() + len > maxChars) {
                    full = true;
                } else {
                    appendVarint(out, r.from() - base);
                    appendVarint(out, r.length());
                    kept++;
                }
            }
            base = r.to();
        }
        return new Encoded(out.toString(), kept, ranges.size() - kept);
    }

    /**
     * Decodes metadata committed with {@code committedOffset}; never throws on bad metadata.
     *
     * @param committedOffset the committed offset the metadata came with; -1 when the group has
     *     none
     * @param metadata the committed metadata; null or empty means no ranges
     * @return the ranges, or {@link Status#IGNORED} with the reason
     */
    public static Decoded decode(long committedOffset, String metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Decoded.ok(List.of());
        }
        if (committedOffset < 0) {
            return Decoded.ignored(
                    "metadata without a committed offset (" + committedOffset + ") has no base");
        }
        List<Range> ranges = new ArrayList<>();
        long base = committedOffset;
        int[] pos = {0};
        while (pos[0] < metadata.length()) {
            int start = pos[0];
            long gap = readVarint(metadata, pos);
            if (gap < 0) {
                return Decoded.ignored(varintError(metadata, start, pos[0], gap));
            }
            if (pos[0] >= metadata.length()) {
                return Decoded.ignored(
                        "the range starting at character " + start + " has no length");
            }
            int lengthAt = pos[0];
            long length = readVarint(metadata, pos);
            if (length < 0) {
                return Decoded.ignored(varintError(metadata, lengthAt, pos[0], length));
            }
            if (length == 0) {
                return Decoded.ignored("the range at character " + start + " is empty");
            }
            if (gap > Long.MAX_VALUE - base || length > Long.MAX_VALUE - (base + gap)) {
                return Decoded.ignored(
                        "the range at character " + start + " ends past the largest offset");
            }
            long from = base + gap;
            long to = from + length;
            int last = ranges.size() - 1;
            if (gap == 0 && last >= 0) {
                ranges.set(last, new Range(ranges.get(last).from(), to)); // adjacent: merge
            } else {
                ranges.add(new Range(from, to));
            }
            base = to;
        }
        return Decoded.ok(ranges);
    }

    /**
     * Shows ranges as kafka-pixy's {@code sparse_acks} does: {@code from-to} relative to the
     * committed offset, {@code to} exclusive, joined by commas ({@code "2-4,10-11"}).
     *
     * @param committedOffset the committed offset
     * @param ranges the ranges above it
     * @return the text; empty when there are no ranges
     */
    public static String render(long committedOffset, List<Range> ranges) {
        StringBuilder out = new StringBuilder();
        for (Range r : ranges) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(r.from() - committedOffset).append('-').append(r.to() - committedOffset);
        }
        return out.toString();
    }

    /**
     * Decodes and shows metadata as kafka-pixy's {@code sparse_acks}; empty when the metadata is
     * ignored, as kafka-pixy shows it.
     *
     * @param committedOffset the committed offset
     * @param metadata its metadata, or null
     * @return the text, possibly empty
     */
    public static String render(long committedOffset, String metadata) {
        return render(committedOffset, decode(committedOffset, metadata).ranges());
    }

    /** The number of characters {@code n} (not negative) takes. */
    static int varintChars(long n) {
        int chars = 1;
        for (long rest = n >>> DATA_BITS; rest != 0; rest >>>= DATA_BITS) {
            chars++;
        }
        return chars;
    }

    private static void appendVarint(StringBuilder out, long n) {
        long rest = n;
        do {
            int bits = (int) (rest & DATA_MASK);
            rest >>>= DATA_BITS;
            out.append(ALPHABET.charAt(rest != 0 ? bits | CONTINUATION : bits));
        } while (rest != 0);
    }

    private static final long BAD_CHAR = -1;
    private static final long TRUNCATED = -2;
    private static final long TOO_LARGE = -3;

    /**
     * Reads one number from {@code pos[0]} and moves it past; a negative result is the error. Every
     * number fits in 63 bits, so the sign is free to carry the error.
     */
    private static long readVarint(String s, int[] pos) {
        long n = 0;
        for (int i = 0; i < MAX_VARINT_CHARS; i++) {
            int at = pos[0] + i;
            if (at >= s.length()) {
                pos[0] = at;
                return TRUNCATED;
            }
            char c = s.charAt(at);
            int v = c < DECODE.length ? DECODE[c] : -1;
            if (v < 0) {
                pos[0] = at;
                return BAD_CHAR;
            }
            int shift = i * DATA_BITS;
            long bits = v & DATA_MASK;
            if (i == MAX_VARINT_CHARS - 1 && ((v & CONTINUATION) != 0 || bits > 0x7)) {
                return TOO_LARGE; // the 13th character may carry bits 60..62 only
            }
            n |= bits << shift;
            if ((v & CONTINUATION) == 0) {
                pos[0] = at + 1;
                return n;
            }
        }
        return TOO_LARGE; // not reached: the 13th character returns above
    }

    private static String varintError(String s, int start, int at, long error) {
        if (error == BAD_CHAR) {
            return "character '"
                    + s.charAt(at)
                    + "' at "
                    + at
                    + " is not in the base64 alphabet (A-Z a-z 0-9 + /)";
        }
        if (error == TRUNCATED) {
            return "the metadata ends inside the number starting at character " + start;
        }
        return "the number starting at character " + start + " does not fit in 63 bits";
    }
}
