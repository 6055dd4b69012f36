package dev.converge.agent.etcd;

/**
 * A deploy lost a race: the graph key was no longer at the revision the deploy expected, so
 * nothing was written. Invariant: {@code actualModRevision != expectedModRevision}.
 */
public final class DeployConflictException extends EtcdStoreException {

    private final String key;
    private final long expectedModRevision;
    private final long actualModRevision;

    public DeployConflictException(String key, long expectedModRevision, long actualModRevision) {
        super(key + ": changed since it was read (expected " + describe(expectedModRevision) + ", found "
                + describe(actualModRevision) + "): another deploy won; nothing written");
        if (expectedModRevision == actualModRevision) {
            throw new IllegalArgumentException("no conflict at revision " + actualModRevision);
        }
        this.key = key;
        this.expectedModRevision = expectedModRevision;
        this.actualModRevision = actualModRevision;
    }

    private static String describe(long modRevision) {
        return modRevision == 0 ? "no key" : "revision " + modRevision;
    }

    public String key() {
        return key;
    }

    /** The modification revision the deploy expected; 0 for "the key does not exist". */
    public long expectedModRevision() {
        return expectedModRevision;
    }

    /** The key's modification revision when the deploy was tried; 0 when it did not exist. */
    public long actualModRevision() {
        return actualModRevision;
    }
}
