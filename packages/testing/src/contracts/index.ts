// Contract suites (vitest): import only from test files.
export { describeSearchPaginationContract, type SearchUpstream } from './search-pagination.contract.js';
