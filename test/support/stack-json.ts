/** The shape of .stack/stack.json: what a secured MLflow stack tells its users and the e2e spec. */
export interface StackJson {
  gate: string;
  keycloak: string;
  realm: string;
  mlflow: string;
  clients: { public: string; resourceServer: string; service: { id: string; secret: string } };
  users: { username: string; password: string; role: 'admin' | 'editor' | 'viewer' | 'none' }[];
  /** Who may create projects (README, "Projects"). */
  projects: { creatorRole: string; creators: string[] };
}
