import { describeSearchPaginationContract } from './search-pagination.contract.js';
import { startFakeGhlServer } from './fake-ghl-server.js';
import { fakeSearch, makeRecords } from './fake-search.js';
import { LOCATION_ID, TOKEN } from './client-test-kit.js';

// The client's unit tests page through this fake: it must paginate like GHL (and like the sandbox).
describeSearchPaginationContract('socket-level fake', async () => {
  const server = await startFakeGhlServer();
  server.handle(fakeSearch(makeRecords(250)));
  return {
    baseUrl: server.baseUrl,
    locationId: LOCATION_ID,
    headers: { Authorization: `Bearer ${TOKEN}`, Version: '2021-07-28' },
    expectedTotal: 250,
    close: () => server.close(),
  };
});
