-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "uuid" UUID NOT NULL DEFAULT gen_random_uuid(),
    "distinctId" TEXT NOT NULL,
    "firstName" TEXT NOT NULL DEFAULT '',
    "lastName" TEXT NOT NULL DEFAULT '',
    "email" TEXT NOT NULL,
    "isEmailVerified" BOOLEAN,
    "hedgehogConfig" JSONB,
    "roleAtOrganization" TEXT,
    "currentOrganizationId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Organization" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "defaultRoleId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrganizationMembership" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organizationId" UUID NOT NULL,
    "userId" INTEGER NOT NULL,
    "level" INTEGER NOT NULL DEFAULT 1,
    "joinedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrganizationMembership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PersonalApiKey" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "userId" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "secureValue" TEXT NOT NULL,
    "maskValue" TEXT NOT NULL,
    "scopes" TEXT[],
    "scopedOrganizations" TEXT[],
    "scopedTeams" INTEGER[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "PersonalApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" INTEGER NOT NULL,
    "uuid" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "productDescription" TEXT,
    "isPendingDeletion" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Environment" (
    "id" SERIAL NOT NULL,
    "uuid" UUID NOT NULL DEFAULT gen_random_uuid(),
    "projectId" INTEGER NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "apiToken" TEXT NOT NULL,
    "secretApiToken" TEXT,
    "secretApiTokenBackup" TEXT,
    "isPendingDeletion" BOOLEAN NOT NULL DEFAULT false,
    "isGeneratingDemoData" BOOLEAN NOT NULL DEFAULT false,
    "ingestedEvent" BOOLEAN NOT NULL DEFAULT false,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Environment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProductIntent" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "environmentId" INTEGER NOT NULL,
    "productType" TEXT NOT NULL,
    "contexts" JSONB NOT NULL DEFAULT '{}',
    "onboardingCompletedAt" TIMESTAMPTZ(3),
    "activatedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProductIntent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupTypeMapping" (
    "id" SERIAL NOT NULL,
    "environmentId" INTEGER NOT NULL,
    "groupType" TEXT NOT NULL,
    "groupTypeIndex" INTEGER NOT NULL,
    "nameSingular" TEXT,
    "namePlural" TEXT,

    CONSTRAINT "GroupTypeMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EventIngestionRestriction" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "token" TEXT NOT NULL,
    "restrictionType" TEXT NOT NULL,
    "distinctIds" TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EventIngestionRestriction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActivityLog" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organizationId" UUID NOT NULL,
    "projectId" INTEGER,
    "environmentId" INTEGER,
    "userId" INTEGER,
    "activity" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ActivityLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Role" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdById" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Role_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleMembership" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "roleId" UUID NOT NULL,
    "userId" INTEGER NOT NULL,
    "joinedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoleMembership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dashboard" (
    "id" SERIAL NOT NULL,
    "environmentId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dashboard_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Insight" (
    "id" SERIAL NOT NULL,
    "environmentId" INTEGER NOT NULL,
    "shortId" TEXT NOT NULL,
    "name" TEXT,
    "derivedName" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Insight_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Annotation" (
    "id" SERIAL NOT NULL,
    "organizationId" UUID NOT NULL,
    "environmentId" INTEGER NOT NULL,
    "content" TEXT,
    "dateMarker" TIMESTAMPTZ(3),
    "creationType" TEXT NOT NULL DEFAULT 'USR',
    "scope" TEXT NOT NULL DEFAULT 'dashboard_item',
    "dashboardItemId" INTEGER,
    "dashboardId" INTEGER,
    "createdById" INTEGER,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Annotation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Person" (
    "id" SERIAL NOT NULL,
    "uuid" UUID NOT NULL DEFAULT gen_random_uuid(),
    "environmentId" INTEGER NOT NULL,
    "distinctIds" TEXT[],
    "properties" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cohort" (
    "id" SERIAL NOT NULL,
    "environmentId" INTEGER NOT NULL,
    "name" TEXT,
    "description" TEXT NOT NULL DEFAULT '',
    "groups" JSONB NOT NULL DEFAULT '[]',
    "filters" JSONB,
    "query" JSONB,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER,
    "pendingVersion" INTEGER,
    "isCalculating" BOOLEAN NOT NULL DEFAULT false,
    "isStatic" BOOLEAN NOT NULL DEFAULT false,
    "cohortType" TEXT,
    "count" INTEGER,
    "lastCalculation" TIMESTAMPTZ(3),
    "errorsCalculating" INTEGER NOT NULL DEFAULT 0,
    "lastErrorMessage" TEXT,
    "createdById" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Cohort_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CohortPerson" (
    "cohortId" INTEGER NOT NULL,
    "personId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CohortPerson_pkey" PRIMARY KEY ("cohortId","personId")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_uuid_key" ON "User"("uuid");

-- CreateIndex
CREATE UNIQUE INDEX "User_distinctId_key" ON "User"("distinctId");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Organization_slug_key" ON "Organization"("slug");

-- CreateIndex
CREATE INDEX "OrganizationMembership_userId_idx" ON "OrganizationMembership"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "OrganizationMembership_organizationId_userId_key" ON "OrganizationMembership"("organizationId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "PersonalApiKey_secureValue_key" ON "PersonalApiKey"("secureValue");

-- CreateIndex
CREATE INDEX "PersonalApiKey_userId_idx" ON "PersonalApiKey"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Project_uuid_key" ON "Project"("uuid");

-- CreateIndex
CREATE INDEX "Project_organizationId_createdAt_idx" ON "Project"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Environment_uuid_key" ON "Environment"("uuid");

-- CreateIndex
CREATE UNIQUE INDEX "Environment_apiToken_key" ON "Environment"("apiToken");

-- CreateIndex
CREATE UNIQUE INDEX "Environment_secretApiToken_key" ON "Environment"("secretApiToken");

-- CreateIndex
CREATE UNIQUE INDEX "Environment_secretApiTokenBackup_key" ON "Environment"("secretApiTokenBackup");

-- CreateIndex
CREATE INDEX "Environment_projectId_createdAt_idx" ON "Environment"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "Environment_organizationId_idx" ON "Environment"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "ProductIntent_environmentId_productType_key" ON "ProductIntent"("environmentId", "productType");

-- CreateIndex
CREATE UNIQUE INDEX "GroupTypeMapping_environmentId_groupTypeIndex_key" ON "GroupTypeMapping"("environmentId", "groupTypeIndex");

-- CreateIndex
CREATE UNIQUE INDEX "EventIngestionRestriction_token_restrictionType_key" ON "EventIngestionRestriction"("token", "restrictionType");

-- CreateIndex
CREATE INDEX "ActivityLog_projectId_createdAt_idx" ON "ActivityLog"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "ActivityLog_environmentId_createdAt_idx" ON "ActivityLog"("environmentId", "createdAt");

-- CreateIndex
CREATE INDEX "ActivityLog_organizationId_scope_createdAt_idx" ON "ActivityLog"("organizationId", "scope", "createdAt");

-- CreateIndex
CREATE INDEX "Role_organizationId_createdAt_idx" ON "Role"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RoleMembership_roleId_userId_key" ON "RoleMembership"("roleId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "Insight_shortId_key" ON "Insight"("shortId");

-- CreateIndex
CREATE INDEX "Annotation_environmentId_deleted_dateMarker_idx" ON "Annotation"("environmentId", "deleted", "dateMarker");

-- CreateIndex
CREATE INDEX "Annotation_organizationId_scope_idx" ON "Annotation"("organizationId", "scope");

-- CreateIndex
CREATE UNIQUE INDEX "Person_uuid_key" ON "Person"("uuid");

-- CreateIndex
CREATE INDEX "Person_environmentId_idx" ON "Person"("environmentId");

-- CreateIndex
CREATE INDEX "Cohort_environmentId_deleted_createdAt_idx" ON "Cohort"("environmentId", "deleted", "createdAt");

-- AddForeignKey
ALTER TABLE "OrganizationMembership" ADD CONSTRAINT "OrganizationMembership_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrganizationMembership" ADD CONSTRAINT "OrganizationMembership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonalApiKey" ADD CONSTRAINT "PersonalApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Environment" ADD CONSTRAINT "Environment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Environment" ADD CONSTRAINT "Environment_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProductIntent" ADD CONSTRAINT "ProductIntent_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupTypeMapping" ADD CONSTRAINT "GroupTypeMapping_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Role" ADD CONSTRAINT "Role_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleMembership" ADD CONSTRAINT "RoleMembership_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleMembership" ADD CONSTRAINT "RoleMembership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Dashboard" ADD CONSTRAINT "Dashboard_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Insight" ADD CONSTRAINT "Insight_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Annotation" ADD CONSTRAINT "Annotation_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Person" ADD CONSTRAINT "Person_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Cohort" ADD CONSTRAINT "Cohort_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CohortPerson" ADD CONSTRAINT "CohortPerson_cohortId_fkey" FOREIGN KEY ("cohortId") REFERENCES "Cohort"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CohortPerson" ADD CONSTRAINT "CohortPerson_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: what Prisma's schema language cannot express.
-- Project names are unique per organization ignoring case, among live projects.
CREATE UNIQUE INDEX "Project_organizationId_lower_name_key" ON "Project" ("organizationId", lower("name")) WHERE NOT "isPendingDeletion";
-- Role names are unique per organization ignoring case.
CREATE UNIQUE INDEX "Role_organizationId_lower_name_key" ON "Role" ("organizationId", lower("name"));
