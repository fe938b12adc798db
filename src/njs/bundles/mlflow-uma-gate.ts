/** The gate's own pages: browser login callback and logout, who am I, the login settings and health. */
import { callback, logout } from '../browser';
import { health, loginSettings, whoami } from '../information';

export default { callback, health, loginSettings, logout, whoami };
