// Location settings: what the CLI and the admin API change on a registered location. Exported on
// its own (`@ghl-sync/sync/locations`) so the API can use it without loading the sync engine: this
// module only touches Postgres and the queue producers.
export {
  DEFAULT_SCHEDULE_CRON,
  updateLocationSettings,
  type LocationSettingsChange,
  type UpdateLocationSettingsDeps,
} from './update-location-settings.js';
