// Install and uninstall of the marketplace app on locations and agencies. Exported on its own
// (`@ghl-sync/sync/installs`) so the API can apply an install callback or an UNINSTALL webhook
// without loading the sync engine: this module only touches Postgres and the queue producers.
export { uninstallAgency, uninstallLocation } from './uninstall.js';
export { registerLocationInstall, type RegisterLocationInstallDeps } from './register-location-install.js';
