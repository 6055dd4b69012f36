package dev.converge.agent.etcd;

/**
 * An etcd call failed. The message says what was asked and why it failed, ready to print.
 * Subclasses tell the failures a caller handles differently: {@link EtcdUnavailableException}
 * (retrying may help) and {@link DeployConflictException} (someone else wrote first).
 */
public class EtcdStoreException extends Exception {

    public EtcdStoreException(String message) {
        super(message);
    }

    public EtcdStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
