export { tf } from './tf';
export { ready, currentBackend, BACKENDS, type BackendName } from './backend';
export { CamlabError } from './errors';
