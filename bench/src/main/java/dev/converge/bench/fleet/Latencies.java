package dev.converge.bench.fleet;

import java.util.Arrays;

/**
 * Durations in nanoseconds, recorded from many threads, summarised as percentiles.
 *
 * <p>Thread-safe. Keeps every sample (a long each); a 10,000-host run records a few hundred
 * thousand, a few MB.
 */
final class Latencies {

    private long[] samples = new long[1024];
    private int size;

    synchronized void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    synchronized int count() {
        return size;
    }

    /** The samples so far, sorted. */
    synchronized Summary summary() {
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        return new Summary(sorted);
    }

    /** A sorted copy of the samples. Percentiles are nearest-rank; all are 0 when there is no sample. */
    record Summary(long[] sorted) {

        int count() {
            return sorted.length;
        }

        /** The {@code q}-quantile, 0 <= q <= 1, by nearest rank. */
        long quantile(double q) {
            if (sorted.length == 0) {
                return 0;
            }
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
        }

        long p50() {
            return quantile(0.50);
        }

        long p99() {
            return quantile(0.99);
        }

        long max() {
            return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
        }

        /** {@code p50 2.1 ms, p99 9.8 ms, max 31 ms (n=1000)} */
        String describe() {
            if (sorted.length == 0) {
                return "no samples";
            }
            return "p50 " + Durations.millis(p50()) + ", p99 " + Durations.millis(p99()) + ", max "
                    + Durations.millis(max()) + " (n=" + sorted.length + ")";
        }
    }
}
