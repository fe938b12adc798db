/** The gate's own pages: browser login callback and logout, who am I, the login settings, health, group shares. */
import { callback, logout } from '../browser';
import { groupShares } from '../group-shares';
import { health, loginSettings, whoami } from '../information';

export default { callback, groupShares, health, loginSettings, logout, whoami };
