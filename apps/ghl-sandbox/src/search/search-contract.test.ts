import { describeSearchPaginationContract } from '@ghl-sync/ghl-client/test-support/search-pagination.contract';
import { startSandbox } from '../start-sandbox.js';

// The integration tests, the demo and the benchmarks page through the sandbox: it must paginate like
// GHL (and like the client's socket-level fake).
describeSearchPaginationContract('sandbox', async () => {
  const sandbox = await startSandbox({ seed: 7, locations: [{ opportunities: 250 }] });
  const location = sandbox.locations[0]!;
  return {
    baseUrl: sandbox.url,
    locationId: location.id,
    headers: { Authorization: `Bearer ${location.token}`, Version: '2021-07-28' },
    expectedTotal: 250,
    close: () => sandbox.close(),
  };
});
