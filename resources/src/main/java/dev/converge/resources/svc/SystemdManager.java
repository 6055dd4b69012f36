package dev.converge.resources.svc;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusMemberName;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.DBusSignal;

/**
 * The part of systemd's {@code org.freedesktop.systemd1.Manager} D-Bus interface that
 * {@link UnitWatch} uses. Public only because the D-Bus library builds its proxy and signal
 * objects by reflection.
 */
@DBusInterfaceName("org.freedesktop.systemd1.Manager")
public interface SystemdManager extends DBusInterface {

    /** The bus name systemd's manager owns. */
    String BUS_NAME = "org.freedesktop.systemd1";
    /** The manager's object path. */
    String OBJECT_PATH = "/org/freedesktop/systemd1";

    /**
     * Asks the manager to send its unit signals (PropertiesChanged, UnitFilesChanged, ...) to
     * this connection; without it systemd sends them only while some other client subscribed.
     */
    @DBusMemberName("Subscribe")
    void subscribe();

    /** The set of enabled unit files changed (enable, disable, mask, ...). */
    @DBusMemberName("UnitFilesChanged")
    final class UnitFilesChanged extends DBusSignal {
        public UnitFilesChanged(String path) throws DBusException {
            super(path);
        }
    }

    /** The manager starts ({@code true}) or finished ({@code false}) reloading its configuration. */
    @DBusMemberName("Reloading")
    final class Reloading extends DBusSignal {

        private final boolean active;

        public Reloading(String path, boolean active) throws DBusException {
            super(path, active);
            this.active = active;
        }

        public boolean active() {
            return active;
        }
    }
}
