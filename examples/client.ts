// A small typed client for the projects API, as a frontend team would write
// it: graphql-request as the transport, and the documents and types that
// GraphQL Code Generator made from examples/operations/*.graphql
// (`npm run codegen` → examples/gql/). Every result is typed by what its
// operation selects; selecting a field means editing the .graphql file and
// running codegen again.
//
// With `persisted: true` the client sends each operation's sha256 hash
// (`documentId`) instead of its text, for servers that run only trusted
// documents (PERSISTED_OPERATIONS=only; see README "Typed clients").
import { getOperationAST, type DocumentNode } from "graphql";
import { ClientError, GraphQLClient, type RequestMiddleware } from "graphql-request";
import {
  AddProjectProductIntentDocument,
  CompleteProjectProductOnboardingDocument,
  CreateAnnotationDocument,
  CreateCohortDocument,
  ProjectAnnotationsDocument,
  ProjectSettingsDocument,
  PromotedProductIntentDocument,
  RotateProjectSecretTokenDocument,
  UpdateProjectSettingsDocument,
  type AddProjectProductIntentInput,
  type CompleteProjectProductOnboardingInput,
  type CreateAnnotationInput,
  type CreateCohortInput,
  type ProjectAnnotationsQueryVariables,
  type ProjectSettingsQuery,
  type UpdateProjectInput,
} from "./gql/graphql.js";

export { ClientError };

/** Any fetch: the global one, or a server's in-process handler (e.g. yoga's `fetch`). */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** A personal API key (`phx_...`). */
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: Fetch;
  /** Send documents' hashes instead of their text (trusted documents). */
  persisted?: boolean;
}

/** A mutation's business-rule refusal (the payload's `userErrors`). */
export interface UserError {
  field?: string[] | null;
  message: string;
  code: string;
}

const DOCUMENTS: DocumentNode[] = [
  ProjectSettingsDocument,
  UpdateProjectSettingsDocument,
  RotateProjectSecretTokenDocument,
  AddProjectProductIntentDocument,
  CompleteProjectProductOnboardingDocument,
  PromotedProductIntentDocument,
  ProjectAnnotationsDocument,
  CreateAnnotationDocument,
  CreateCohortDocument,
];

/** The hash codegen embedded in a document (`persistedDocuments: true`). */
export function documentHash(document: DocumentNode): string {
  const hash = (document as DocumentNode & { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error("This document has no persisted hash: run `npm run codegen`.");
  return hash;
}

/** operation name → hash, to send `documentId` in place of the query. */
const HASH_BY_OPERATION = new Map(DOCUMENTS.map((d) => [getOperationAST(d)!.name!.value, documentHash(d)]));

/** Rewrites graphql-request's JSON body `{query, operationName, variables}` to `{documentId, operationName, variables}`. */
const sendHashInstead: RequestMiddleware = (request) => {
  const body = JSON.parse(String(request.body)) as { operationName?: string; variables?: unknown };
  const documentId = body.operationName ? HASH_BY_OPERATION.get(body.operationName) : undefined;
  if (!documentId) throw new Error(`No persisted document for operation ${body.operationName ?? "(anonymous)"}.`);
  return { ...request, body: JSON.stringify({ documentId, operationName: body.operationName, variables: body.variables }) };
};

export function createClient(options: ClientOptions) {
  const customFetch = options.fetch;
  const client = new GraphQLClient(options.url, {
    headers: { authorization: `Bearer ${options.apiKey}` },
    fetch: customFetch
      ? (input: string | URL | Request, init?: RequestInit) =>
          customFetch(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, init ?? {})
      : undefined,
    requestMiddleware: options.persisted ? sendHashInstead : undefined,
  });

  return {
    /** The project settings page. */
    async projectSettings(id: string) {
      return (await client.request(ProjectSettingsDocument, { id })).project;
    },
    /** Saves settings; the payload's `userErrors` say why nothing changed. */
    async updateProjectSettings(input: UpdateProjectInput) {
      return (await client.request(UpdateProjectSettingsDocument, { input })).updateProject;
    },
    /** Rotates the secret token: the old one becomes `secretApiTokenBackup`. */
    async rotateSecretToken(id: string) {
      return (await client.request(RotateProjectSecretTokenDocument, { id })).rotateProjectSecretToken;
    },
    async addProductIntent(input: AddProjectProductIntentInput) {
      return (await client.request(AddProjectProductIntentDocument, { input })).addProjectProductIntent;
    },
    async completeProductOnboarding(input: CompleteProjectProductOnboardingInput) {
      return (await client.request(CompleteProjectProductOnboardingDocument, { input })).completeProjectProductOnboarding;
    },
    async promotedProductIntent(id: string) {
      return (await client.request(PromotedProductIntentDocument, { id })).project.promotedProductIntent;
    },
    /** One page of the annotations list, filtered by the search box. */
    async annotations(variables: ProjectAnnotationsQueryVariables) {
      return (await client.request(ProjectAnnotationsDocument, variables)).project.annotations;
    },
    async createAnnotation(input: CreateAnnotationInput) {
      return (await client.request(CreateAnnotationDocument, { input })).createAnnotation;
    },
    async createCohort(input: CreateCohortInput) {
      return (await client.request(CreateCohortDocument, { input })).createCohort;
    },
  };
}

export type ProjectsClient = ReturnType<typeof createClient>;

/** What the settings page shows in its header; typed by the ProjectSettings operation. */
export function settingsHeadline(project: ProjectSettingsQuery["project"]): string {
  const environments = project.environments.nodes.map((e) => (e.isPrimary ? `${e.name} (primary)` : e.name));
  const weekStart = project.weekStartDay ?? "locale default";
  // @ts-expect-error ProjectSettings does not select `secretApiTokenBackup` (only RotateProjectSecretToken does), so its result type has no such field.
  const backup: string | null = project.secretApiTokenBackup;
  void backup;
  return `${project.name} · ${project.timezone} · week starts ${weekStart} · ${environments.join(", ")}`;
}
