/**
 * Where the marketplace app is installed: per agency (company), the set of its locations with
 * the app, and whether new locations get it automatically (`installToFutureLocations`,
 * ghl-api.md §5.1). Every location belongs to one agency.
 */
export class AppInstalls {
  /** Told of every location the app is added to or removed from (the sandbox sends INSTALL / UNINSTALL). */
  onChange?: (change: { kind: 'install' | 'uninstall'; companyId: string; locationId: string }) => void;
  private readonly byCompany = new Map<string, Set<string>>();
  private readonly future = new Map<string, boolean>();

  private set(companyId: string): Set<string> {
    let locations = this.byCompany.get(companyId);
    if (locations === undefined) {
      locations = new Set();
      this.byCompany.set(companyId, locations);
    }
    return locations;
  }

  /** Installs the app on these locations of `companyId`; returns the ones that were not installed before. */
  install(companyId: string, locationIds: Iterable<string>): string[] {
    const installed = this.set(companyId);
    const added: string[] = [];
    for (const id of locationIds) {
      if (!installed.has(id)) added.push(id);
      installed.add(id);
    }
    for (const locationId of added) this.onChange?.({ kind: 'install', companyId, locationId });
    return added;
  }

  /** Removes the app from a location; returns whether it was installed. */
  uninstall(companyId: string, locationId: string): boolean {
    const removed = this.set(companyId).delete(locationId);
    if (removed) this.onChange?.({ kind: 'uninstall', companyId, locationId });
    return removed;
  }

  isInstalled(companyId: string, locationId: string): boolean {
    return this.byCompany.get(companyId)?.has(locationId) ?? false;
  }

  /** Installed location ids of an agency, in install order. */
  installed(companyId: string): string[] {
    return [...(this.byCompany.get(companyId) ?? [])];
  }

  setInstallToFuture(companyId: string, value: boolean): void {
    this.future.set(companyId, value);
  }

  installToFuture(companyId: string): boolean {
    return this.future.get(companyId) ?? false;
  }
}
