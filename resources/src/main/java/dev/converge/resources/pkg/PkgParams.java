package dev.converge.resources.pkg;

/**
 * Parameters of a {@code pkg} resource; the resource's name is the package's name, optionally
 * with an architecture ({@code hello:amd64} for apt, {@code hello.x86_64} for dnf).
 *
 * @param state            {@code installed}, {@code uninstalled}, {@code newest} or an exact
 *                         version such as {@code 2.10-3}
 * @param allowdowngrade   mgmt's field: with a version state, allow installing a version lower
 *                         than the installed one (apt {@code --allow-downgrades})
 * @param allowuntrusted   mgmt's field: install packages whose signatures cannot be checked
 *                         (apt {@code --allow-unauthenticated}, dnf {@code --nogpgcheck})
 * @param allownonfree     mgmt's field (a PackageKit filter); no effect with apt or dnf
 * @param allowunsupported mgmt's field (a PackageKit filter); no effect with apt or dnf
 */
public record PkgParams(
        String state,
        boolean allowdowngrade,
        boolean allowuntrusted,
        boolean allownonfree,
        boolean allowunsupported) {

    public static final PkgParams DEFAULTS = new PkgParams("installed", false, false, false, false);
}
