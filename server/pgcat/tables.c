/*
 * tables.c - the catalog database: pg_catalog and information_schema in
 * an in-memory SQLite database per session thread, filled from sluice's
 * catalog: the tables and builtin rows once, the catalog's rows at each
 * execution.
 *
 * Sources are tables (relkind 'r') with their columns, sinks foreign
 * tables ('f': rows go out through them), queries views ('v', their SQL as
 * the definition); all live in the schema public.  The catalog's own
 * relations are tables of pg_catalog and information_schema with their
 * columns.  OIDs of sluice's objects are hashes of their kind and name
 * (stable across runs, 16384 and above); builtin types keep PostgreSQL's.
 * A column's declared SQLite type carries its PostgreSQL type OID
 * ("TEXT19" is name with TEXT affinity), which pgcat.c reads back.
 * Nothing secret goes in: no option values at all, no password verifiers
 * (rolpassword is NULL, pg_roles and pg_user show ********).  The table
 * pg_catalog.pgcat_access (hidden from pg_class) says what the role may
 * read, for has_table_privilege(), and holds the queries' SQL.
 *
 * Entry points: sl_pgcat_build, sl_pgcat_release, sl_pgcat_column_is_bool.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/catalog/catalog.h"
#include "server/commands/privileges.h"
#include "server/config.h"
#include "server/pgcat/pgcat_int.h"
#include "sluice/buf.h"

#define NS_CATALOG        11
#define NS_PUBLIC         2200
#define NS_INFO           13000
#define PG_DATABASE_OWNER 6171
#define SLUICE_FDW        16383 /* the foreign-data wrapper of sinks */

/*
 * The relations.  Columns are "name:type" with these types (the SQLite
 * declared type carries the PostgreSQL OID):
 *   o oid, n name, c "char", b bool, s int2, i int4, l int8, t text, f float4, F float8,
 *   p regproc, v int2vector, V oidvector, x pg_node_tree, z timestamptz, d varchar,
 *   A aclitem[], T text[], N name[], O oid[], C "char"[], S int2[]
 */
typedef struct tb_rel {
    int ns;
    const char *name;
    const char *cols;
} tb_rel;

static const tb_rel tb_rels[] = {
    {NS_CATALOG, "pg_namespace", "oid:o nspname:n nspowner:o nspacl:A"},
    {NS_CATALOG, "pg_class",
     "oid:o relname:n relnamespace:o reltype:o reloftype:o relowner:o relam:o relfilenode:o reltablespace:o "
     "relpages:i reltuples:f relallvisible:i reltoastrelid:o relhasindex:b relisshared:b relpersistence:c "
     "relkind:c relnatts:s relchecks:s relhasrules:b relhastriggers:b relhassubclass:b relrowsecurity:b "
     "relforcerowsecurity:b relispopulated:b relreplident:c relispartition:b relrewrite:o relfrozenxid:i "
     "relminmxid:i relacl:A reloptions:T relpartbound:x"},
    {NS_CATALOG, "pg_attribute",
     "attrelid:o attname:n atttypid:o attstattarget:i attlen:s attnum:s attndims:i attcacheoff:i atttypmod:i "
     "attbyval:b attalign:c attstorage:c attcompression:c attnotnull:b atthasdef:b atthasmissing:b "
     "attidentity:c attgenerated:c attisdropped:b attislocal:b attinhcount:i attcollation:o attacl:A "
     "attoptions:T attfdwoptions:T attmissingval:T"},
    {NS_CATALOG, "pg_type",
     "oid:o typname:n typnamespace:o typowner:o typlen:s typbyval:b typtype:c typcategory:c typispreferred:b "
     "typisdefined:b typdelim:c typrelid:o typsubscript:p typelem:o typarray:o typinput:p typoutput:p "
     "typreceive:p typsend:p typmodin:p typmodout:p typanalyze:p typalign:c typstorage:c typnotnull:b "
     "typbasetype:o typtypmod:i typndims:i typcollation:o typdefaultbin:x typdefault:t typacl:A"},
    {NS_CATALOG, "pg_attrdef", "oid:o adrelid:o adnum:s adbin:x"},
    {NS_CATALOG, "pg_index",
     "indexrelid:o indrelid:o indnatts:s indnkeyatts:s indisunique:b indnullsnotdistinct:b indisprimary:b "
     "indisexclusion:b indimmediate:b indisclustered:b indisvalid:b indcheckxmin:b indisready:b indislive:b "
     "indisreplident:b indkey:v indcollation:V indclass:V indoption:v indexprs:x indpred:x"},
    {NS_CATALOG, "pg_constraint",
     "oid:o conname:n connamespace:o contype:c condeferrable:b condeferred:b convalidated:b conrelid:o "
     "contypid:o conindid:o conparentid:o confrelid:o confupdtype:c confdeltype:c confmatchtype:c "
     "conislocal:b coninhcount:i connoinherit:b conkey:S confkey:S conpfeqop:O conppeqop:O conffeqop:O "
     "confdelsetcols:S conexclop:O conbin:x"},
    {NS_CATALOG, "pg_inherits", "inhrelid:o inhparent:o inhseqno:i inhdetachpending:b"},
    {NS_CATALOG, "pg_description", "objoid:o classoid:o objsubid:i description:t"},
    {NS_CATALOG, "pg_shdescription", "objoid:o classoid:o description:t"},
    {NS_CATALOG, "pg_database",
     "oid:o datname:n datdba:o encoding:i datlocprovider:c datistemplate:b datallowconn:b datconnlimit:i "
     "datfrozenxid:i datminmxid:i dattablespace:o datcollate:t datctype:t daticulocale:t datcollversion:t "
     "datacl:A"},
    {NS_CATALOG, "pg_authid",
     "oid:o rolname:n rolsuper:b rolinherit:b rolcreaterole:b rolcreatedb:b rolcanlogin:b rolreplication:b "
     "rolbypassrls:b rolconnlimit:i rolpassword:t rolvaliduntil:z"},
    {NS_CATALOG, "pg_roles",
     "rolname:n rolsuper:b rolinherit:b rolcreaterole:b rolcreatedb:b rolcanlogin:b rolreplication:b "
     "rolconnlimit:i rolpassword:t rolvaliduntil:z rolbypassrls:b rolconfig:T oid:o"},
    {NS_CATALOG, "pg_user",
     "usename:n usesysid:o usecreatedb:b usesuper:b userepl:b usebypassrls:b passwd:t valuntil:z "
     "useconfig:T"},
    {NS_CATALOG, "pg_auth_members", "roleid:o member:o grantor:o admin_option:b"},
    {NS_CATALOG, "pg_proc",
     "oid:o proname:n pronamespace:o proowner:o prolang:o procost:f prorows:f provariadic:o prosupport:p "
     "prokind:c prosecdef:b proleakproof:b proisstrict:b proretset:b provolatile:c proparallel:c pronargs:s "
     "pronargdefaults:s prorettype:o proargtypes:V proallargtypes:O proargmodes:C proargnames:T "
     "proargdefaults:x protrftypes:O prosrc:t probin:t prosqlbody:x proconfig:T proacl:A"},
    {NS_CATALOG, "pg_settings",
     "name:t setting:t unit:t category:t short_desc:t extra_desc:t context:t vartype:t source:t min_val:t "
     "max_val:t enumvals:T boot_val:t reset_val:t sourcefile:t sourceline:i pending_restart:b"},
    {NS_CATALOG, "pg_am", "oid:o amname:n amhandler:p amtype:c"},
    {NS_CATALOG, "pg_tablespace", "oid:o spcname:n spcowner:o spcacl:A spcoptions:T"},
    {NS_CATALOG, "pg_extension",
     "oid:o extname:n extowner:o extnamespace:o extrelocatable:b extversion:t extconfig:O extcondition:T"},
    {NS_CATALOG, "pg_collation",
     "oid:o collname:n collnamespace:o collowner:o collprovider:c collisdeterministic:b collencoding:i "
     "collcollate:t collctype:t colliculocale:t collversion:t"},
    {NS_CATALOG, "pg_enum", "oid:o enumtypid:o enumsortorder:f enumlabel:n"},
    {NS_CATALOG, "pg_range",
     "rngtypid:o rngsubtype:o rngmultitypid:o rngcollation:o rngsubopc:o rngcanonical:p rngsubdiff:p"},
    {NS_CATALOG, "pg_sequence",
     "seqrelid:o seqtypid:o seqstart:l seqincrement:l seqmax:l seqmin:l seqcache:l seqcycle:b"},
    {NS_CATALOG, "pg_trigger",
     "oid:o tgrelid:o tgparentid:o tgname:n tgfoid:o tgtype:s tgenabled:c tgisinternal:b tgconstrrelid:o "
     "tgconstrindid:o tgconstraint:o tgdeferrable:b tginitdeferred:b tgnargs:s tgattr:v tgargs:t tgqual:x "
     "tgoldtable:n tgnewtable:n"},
    {NS_CATALOG, "pg_policy",
     "oid:o polname:n polrelid:o polcmd:c polpermissive:b polroles:O polqual:x polwithcheck:x"},
    {NS_CATALOG, "pg_rewrite",
     "oid:o rulename:n ev_class:o ev_type:c ev_enabled:c is_instead:b ev_qual:x ev_action:x"},
    {NS_CATALOG, "pg_publication",
     "oid:o pubname:n pubowner:o puballtables:b pubinsert:b pubupdate:b pubdelete:b pubtruncate:b "
     "pubviaroot:b"},
    {NS_CATALOG, "pg_publication_rel", "oid:o prpubid:o prrelid:o prqual:x prattrs:v"},
    {NS_CATALOG, "pg_publication_namespace", "oid:o pnpubid:o pnnspid:o"},
    {NS_CATALOG, "pg_statistic_ext",
     "oid:o stxrelid:o stxname:n stxnamespace:o stxowner:o stxstattarget:i stxkeys:v stxkind:C stxexprs:x"},
    {NS_CATALOG, "pg_foreign_table", "ftrelid:o ftserver:o ftoptions:T"},
    {NS_CATALOG, "pg_foreign_server",
     "oid:o srvname:n srvowner:o srvfdw:o srvtype:t srvversion:t srvacl:A srvoptions:T"},
    {NS_CATALOG, "pg_foreign_data_wrapper",
     "oid:o fdwname:n fdwowner:o fdwhandler:o fdwvalidator:o fdwacl:A fdwoptions:T"},
    {NS_CATALOG, "pg_partitioned_table",
     "partrelid:o partstrat:c partnatts:s partdefid:o partattrs:v partclass:V partcollation:V partexprs:x"},
    {NS_CATALOG, "pg_opclass",
     "oid:o opcmethod:o opcname:n opcnamespace:o opcowner:o opcfamily:o opcintype:o opcdefault:b "
     "opckeytype:o"},
    {NS_CATALOG, "pg_operator",
     "oid:o oprname:n oprnamespace:o oprowner:o oprkind:c oprcanmerge:b oprcanhash:b oprleft:o oprright:o "
     "oprresult:o oprcom:o oprnegate:o oprcode:p oprrest:p oprjoin:p"},
    {NS_CATALOG, "pg_depend", "classid:o objid:o objsubid:i refclassid:o refobjid:o refobjsubid:i deptype:c"},
    {NS_CATALOG, "pg_language",
     "oid:o lanname:n lanowner:o lanispl:b lanpltrusted:b lanplcallfoid:o laninline:o lanvalidator:o "
     "lanacl:A"},
    {NS_CATALOG, "pg_event_trigger",
     "oid:o evtname:n evtevent:n evtowner:o evtfoid:o evtenabled:c evttags:T"},
    {NS_CATALOG, "pg_tables",
     "schemaname:n tablename:n tableowner:n tablespace:n hasindexes:b hasrules:b hastriggers:b "
     "rowsecurity:b"},
    {NS_CATALOG, "pg_views", "schemaname:n viewname:n viewowner:n definition:t"},
    {NS_CATALOG, "pg_matviews",
     "schemaname:n matviewname:n matviewowner:n tablespace:n hasindexes:b ispopulated:b definition:t"},
    {NS_INFO, "schemata",
     "catalog_name:n schema_name:n schema_owner:n default_character_set_catalog:n "
     "default_character_set_schema:n default_character_set_name:n sql_path:d"},
    {NS_INFO, "tables",
     "table_catalog:n table_schema:n table_name:n table_type:d self_referencing_column_name:n "
     "reference_generation:d user_defined_type_catalog:n user_defined_type_schema:n user_defined_type_name:n "
     "is_insertable_into:d is_typed:d commit_action:d"},
    {NS_INFO, "columns",
     "table_catalog:n table_schema:n table_name:n column_name:n ordinal_position:i column_default:d "
     "is_nullable:d data_type:d character_maximum_length:i character_octet_length:i numeric_precision:i "
     "numeric_precision_radix:i numeric_scale:i datetime_precision:i interval_type:d interval_precision:i "
     "character_set_catalog:n character_set_schema:n character_set_name:n collation_catalog:n "
     "collation_schema:n collation_name:n domain_catalog:n domain_schema:n domain_name:n udt_catalog:n "
     "udt_schema:n udt_name:n scope_catalog:n scope_schema:n scope_name:n maximum_cardinality:i "
     "dtd_identifier:n is_self_referencing:d is_identity:d identity_generation:d identity_start:d "
     "identity_increment:d identity_maximum:d identity_minimum:d identity_cycle:d is_generated:d "
     "generation_expression:d is_updatable:d"},
    {NS_INFO, "views",
     "table_catalog:n table_schema:n table_name:n view_definition:d check_option:d is_updatable:d "
     "is_insertable_into:d is_trigger_updatable:d is_trigger_deletable:d is_trigger_insertable_into:d"},
    {NS_CATALOG, "pgcat_access", "oid:o readable:b def:t"},
};
#define TB_NRELS ((int)(sizeof(tb_rels) / sizeof(tb_rels[0])))

bool sl_pgcat_column_is_bool(const char *name)
{
    size_t n = strlen(name);
    for (int r = 0; r < TB_NRELS; r++)
        for (const char *c = strstr(tb_rels[r].cols, name); c != NULL; c = strstr(c + 1, name))
            if ((c == tb_rels[r].cols || c[-1] == ' ') && c[n] == ':' && c[n + 1] == 'b')
                return true;
    return false;
}

static const char *tb_decl(char c);

uint32_t sl_pgcat_column_oid(const char *name)
{
    size_t n = strlen(name);
    uint32_t found = 0;

    for (int r = 0; r < TB_NRELS; r++)
        for (const char *c = strstr(tb_rels[r].cols, name); c != NULL; c = strstr(c + 1, name))
            if ((c == tb_rels[r].cols || c[-1] == ' ') && c[n] == ':') {
                const char *decl = tb_decl(c[n + 1]);
                uint32_t oid;
                while (*decl < '0' || *decl > '9')
                    decl++;
                oid = (uint32_t)strtoul(decl, NULL, 10);
                if (found != 0 && found != oid)
                    return 0; /* columns of that name differ in type */
                found = oid;
            }
    return found;
}

static const char *tb_decl(char c)
{
    switch (c) {
    case 'o':
        return "INT26";
    case 'n':
        return "TEXT19";
    case 'c':
        return "TEXT18";
    case 'b':
        return "INT16";
    case 's':
        return "INT21";
    case 'i':
        return "INT23";
    case 'l':
        return "INT20";
    case 't':
        return "TEXT25";
    case 'f':
        return "REAL700";
    case 'F':
        return "REAL701";
    case 'p':
        return "TEXT24";
    case 'v':
        return "TEXT22";
    case 'V':
        return "TEXT30";
    case 'x':
        return "TEXT194";
    case 'z':
        return "TEXT1184";
    case 'd':
        return "TEXT1043";
    case 'A':
        return "TEXT1034";
    case 'T':
        return "TEXT1009";
    case 'N':
        return "TEXT1003";
    case 'O':
        return "TEXT1028";
    case 'C':
        return "TEXT1002";
    case 'S':
        return "TEXT1005";
    }
    return "TEXT25";
}

static const char *tb_nsname(int ns)
{
    return ns == NS_CATALOG ? "pg_catalog" : ns == NS_INFO ? "information_schema" : "public";
}

static sl_status tb_exec(sqlite3 *db, const char *sql, sl_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "catalog database: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return SL_ERROR;
    }
    return SL_OK;
}

/* One insert with '?' placeholders bound from a format: i int64, t text (NULL ok), n NULL. */
typedef struct tb_ins {
    sqlite3 *db;
    sqlite3_stmt *st;
    sl_error *err;
    sl_status rc;
} tb_ins;

static void tb_prepare(tb_ins *in, const char *sql)
{
    if (in->rc != SL_OK)
        return;
    if (sqlite3_prepare_v2(in->db, sql, -1, &in->st, NULL) != SQLITE_OK)
        in->rc =
            sl_error_set(in->err, SL_ERRCODE_INTERNAL_ERROR, "catalog database: %s", sqlite3_errmsg(in->db));
}

static void tb_row(tb_ins *in, const char *fmt, ...)
{
    va_list ap;
    if (in->rc != SL_OK || in->st == NULL)
        return;
    sqlite3_reset(in->st);
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i')
            sqlite3_bind_int64(in->st, i + 1, va_arg(ap, int64_t));
        else if (fmt[i] == 't') {
            const char *v = va_arg(ap, const char *);
            if (v)
                sqlite3_bind_text(in->st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(in->st, i + 1);
        } else
            sqlite3_bind_null(in->st, i + 1);
    }
    va_end(ap);
    if (sqlite3_step(in->st) != SQLITE_DONE)
        in->rc =
            sl_error_set(in->err, SL_ERRCODE_INTERNAL_ERROR, "catalog database: %s", sqlite3_errmsg(in->db));
}

static void tb_done(tb_ins *in)
{
    if (in->st)
        sqlite3_finalize(in->st);
    in->st = NULL;
}

static sl_status tb_create(sqlite3 *db, sl_error *err)
{
    sl_buf b;
    sl_status rc = SL_OK;

    sl_buf_init(&b);
    sl_buf_puts(&b, "BEGIN;");
    for (int r = 0; r < TB_NRELS; r++) {
        const char *c = tb_rels[r].cols;
        sl_buf_printf(&b, "CREATE TABLE %s.%s (", tb_nsname(tb_rels[r].ns), tb_rels[r].name);
        bool first = true;
        while (*c) {
            const char *colon = strchr(c, ':');
            sl_buf_printf(&b, "%s%.*s %s", first ? "" : ", ", (int)(colon - c), c, tb_decl(colon[1]));
            first = false;
            c = colon + 2;
            while (*c == ' ')
                c++;
        }
        sl_buf_puts(&b, ");");
    }
    sl_buf_puts(&b, "COMMIT;");
    sl_buf_append(&b, "", 1);
    rc = tb_exec(db, b.data, err);
    sl_buf_free(&b);
    return rc;
}

/* The inserts of pg_class rows (tb_class) and pg_attribute rows (tb_attr). */
static void tb_prepare_rel(tb_ins *cls, tb_ins *att)
{
    tb_prepare(cls,
               "INSERT INTO pg_catalog.pg_class VALUES (?1, ?2, ?3, 0, 0, ?4, ?5, 0, 0, 0, ?15, 0, 0, 0, "
               "0, ?16, ?6, ?7, 0, 0, 0, 0, 0, 0, 1, ?17, 0, 0, 0, 0, NULL, NULL, NULL)");
    tb_prepare(att, "INSERT INTO pg_catalog.pg_attribute VALUES (?1, ?2, ?3, -1, ?4, ?5, 0, -1, -1, ?6, ?8, "
                    "?9, '', 0, 0, 0, '', '', 0, 1, ?10, ?7, NULL, NULL, NULL, NULL)");
}

static int16_t tb_type_len(uint32_t oid)
{
    uint32_t elem;
    const sl_pgcat_type *t = sl_pgcat_type_by_oid(oid, &elem);
    return t == NULL || elem ? -1 : t->len;
}

static uint32_t tb_sluice_type(const char *type)
{
    if (strcmp(type, "boolean") == 0)
        return 16;
    if (strcmp(type, "bigint") == 0)
        return 20;
    if (strcmp(type, "double") == 0)
        return 701;
    if (strcmp(type, "timestamp") == 0)
        return 1114;
    if (strcmp(type, "interval") == 0)
        return 1186;
    return 25;
}

static void tb_class(tb_ins *cls, uint32_t oid, const char *name, int ns, uint32_t owner, char kind,
                     int natts)
{
    char k[2] = {kind, 0};
    tb_row(cls, "itiiitiiiiiiiiitt", (int64_t)oid, name, (int64_t)ns, (int64_t)owner,
           (int64_t)(kind == 'r' ? 2 : 0), k, (int64_t)natts, (int64_t)0, (int64_t)0, (int64_t)0, (int64_t)0,
           (int64_t)0, (int64_t)0, (int64_t)0, (int64_t)-1, "p",
           ns == NS_CATALOG ? "n" : "d"); /* PostgreSQL's own catalogs have replica identity nothing */
}

static void tb_attr(tb_ins *att, uint32_t rel, const char *name, uint32_t type, int num)
{
    uint32_t elem;
    const sl_pgcat_type *t = sl_pgcat_type_by_oid(type, &elem);
    bool byval = t && !elem && t->len > 0 && t->len <= 8;
    bool coll = type == 25 || type == 1043 || type == 1042 || type == 19;
    tb_row(att, "itiiiiitti", (int64_t)rel, name, (int64_t)type, (int64_t)tb_type_len(type), (int64_t)num,
           (int64_t)byval, (int64_t)(coll ? (type == 19 ? 950 : 100) : 0),
           byval ? (t->len == 8   ? "d"
                    : t->len == 2 ? "s"
                    : t->len == 1 ? "c"
                                  : "i")
                 : (type == 19 ? "c" : "i"),
           byval || type == 19 ? "p" : "x", (int64_t)0);
}

static void tb_setting(void *arg, const char *name, const char *value, const char *description)
{
    tb_row(arg, "ttt", name, value, description);
}

static const char *tb_owner_name(const char *owner, const char *super)
{
    return owner ? owner : super;
}

/* The bootstrap superuser's OID, as in PostgreSQL: the first superuser that can log in (by name)
 * owns the catalog's own objects. */
#define BOOTSTRAP_OID 10

static uint32_t tb_role_oid(const char *super, const char *name)
{
    return strcmp(super, name) == 0 ? BOOTSTRAP_OID : sl_pgcat_object_oid("role", name);
}

/* information_schema.columns of the relations of the schemas that cond (SQL on n.nspname) selects. */
static sl_status tb_info_columns(sqlite3 *db, const char *cond, sl_error *err)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO information_schema.columns (table_catalog, table_schema, table_name, column_name, "
        "ordinal_position, is_nullable, data_type, udt_catalog, udt_schema, udt_name, dtd_identifier, "
        "is_self_referencing, is_identity, is_generated, is_updatable, numeric_precision, "
        "numeric_precision_radix, numeric_scale, datetime_precision, interval_type, collation_name) "
        "SELECT 'sluice', n.nspname, c.relname, a.attname, a.attnum, 'YES', CASE WHEN t.typcategory = "
        "'A' "
        "THEN 'ARRAY' ELSE format_type(a.atttypid, NULL) END, 'sluice', 'pg_catalog', t.typname, "
        "a.attnum, "
        "'NO', 'NO', 'NEVER', 'NO', CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN "
        "700 THEN 24 WHEN 701 THEN 53 END, CASE WHEN a.atttypid IN (20, 21, 23, 700, 701) THEN 2 END, "
        "CASE "
        "WHEN a.atttypid IN (20, 21, 23) THEN 0 END, CASE WHEN a.atttypid IN (1114, 1184, 1083, 1186) "
        "THEN "
        "6 END, NULL, NULL FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = "
        "a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type t ON t.oid = "
        "a.atttypid WHERE a.attnum > 0"
        " AND %s;",
        cond);
    sl_status rc = tb_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* What does not change while the server runs: the tables, builtin types, functions, the catalog's own
 * relations and their columns.  Once per session thread. */
static sl_status tb_build_static(sqlite3 *db, sl_exec_ctx *ctx, sl_error *err)
{
    const uint32_t super_oid = BOOTSTRAP_OID;
    tb_ins in = {.db = db, .err = err, .rc = SL_OK};

    if (tb_exec(db, "ATTACH ':memory:' AS pg_catalog; ATTACH ':memory:' AS information_schema;", err) !=
            SL_OK ||
        sl_pgcat_register(db, ctx, err) != SL_OK || tb_create(db, err) != SL_OK ||
        tb_exec(db, "BEGIN", err) != SL_OK)
        return SL_ERROR;
    /* namespaces, database, access methods, tablespaces, collations, languages */
    /* public and the database belong to pg_database_owner, as in PostgreSQL 15 */
    tb_prepare(&in, "INSERT INTO pg_catalog.pg_namespace VALUES (?, ?, ?, NULL)");
    tb_row(&in, "iti", (int64_t)NS_CATALOG, "pg_catalog", (int64_t)super_oid);
    tb_row(&in, "iti", (int64_t)NS_PUBLIC, "public", (int64_t)PG_DATABASE_OWNER);
    tb_row(&in, "iti", (int64_t)NS_INFO, "information_schema", (int64_t)super_oid);
    tb_done(&in);
    tb_prepare(&in,
               "INSERT INTO pg_catalog.pg_database VALUES (5, 'sluice', ?, 6, 'c', 0, 1, -1, 0, 1, 1663, "
               "'C.UTF-8', 'C.UTF-8', NULL, NULL, NULL)");
    tb_row(&in, "i", (int64_t)PG_DATABASE_OWNER);
    tb_done(&in);
    if (in.rc != SL_OK)
        return SL_ERROR;
    {
        char *sql = sqlite3_mprintf(
            "INSERT INTO pg_catalog.pg_am VALUES (2, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', "
            "'bthandler', 'i'), (405, 'hash', 'hashhandler', 'i');"
            "INSERT INTO pg_catalog.pg_tablespace VALUES (1663, 'pg_default', %u, NULL, NULL), (1664, "
            "'pg_global', %u, NULL, NULL);"
            "INSERT INTO pg_catalog.pg_collation VALUES (100, 'default', 11, %u, 'd', 1, -1, NULL, NULL, "
            "NULL, "
            "NULL), (950, 'C', 11, %u, 'c', 1, -1, 'C', 'C', NULL, NULL), (951, 'POSIX', 11, %u, 'c', 1, -1, "
            "'POSIX', 'POSIX', NULL, NULL);"
            "INSERT INTO pg_catalog.pg_language VALUES (12, 'internal', %u, 0, 0, 0, 0, 2246, NULL), (13, "
            "'c', "
            "%u, 0, 0, 0, 0, 2247, NULL), (14, 'sql', %u, 0, 1, 0, 0, 2248, NULL);"
            "INSERT INTO pg_catalog.pg_foreign_data_wrapper VALUES (%u, 'sluice', %u, 0, 0, NULL, NULL);",
            super_oid, super_oid, super_oid, super_oid, super_oid, super_oid, super_oid, super_oid,
            SLUICE_FDW, super_oid);
        sl_status rc = tb_exec(db, sql, err);
        sqlite3_free(sql);
        if (rc != SL_OK)
            return SL_ERROR;
    }

    /* types */
    tb_prepare(&in,
               "INSERT INTO pg_catalog.pg_type VALUES (?1, ?2, 11, ?3, ?4, ?5, ?6, ?7, 0, 1, ',', 0, ?8, ?9, "
               "?10, ?11, ?12, ?13, ?14, '-', '-', '-', ?15, ?16, 0, 0, -1, 0, ?17, NULL, NULL, NULL)");
    int ntypes;
    const sl_pgcat_type *types = sl_pgcat_types(&ntypes);
    for (int i = 0; i < ntypes && in.rc == SL_OK; i++) {
        const sl_pgcat_type *t = &types[i];
        char tt[2] = {t->typtype, 0}, cat[2] = {t->category, 0}, in_[64], out_[64], recv[64], send[64];
        bool under = t->io[strlen(t->io) - 1] == '_';
        bool byval = t->len > 0 && t->len <= 8;
        const char *align = t->len == 8 ? "d" : t->len == 2 ? "s" : t->len == 1 ? "c" : "i";
        int64_t coll = t->oid == 25 || t->oid == 1043 || t->oid == 1042 ? 100 : t->oid == 19 ? 950 : 0;
        snprintf(in_, sizeof(in_), "%s%s", t->io, under ? "in" : "in");
        snprintf(out_, sizeof(out_), "%s%s", t->io, "out");
        snprintf(recv, sizeof(recv), "%s%s", t->io, "recv");
        snprintf(send, sizeof(send), "%s%s", t->io, "send");
        bool vec = t->oid == 22 || t->oid == 30;
        tb_row(&in, "itiiitttiitttttti", (int64_t)t->oid, t->name, (int64_t)super_oid, (int64_t)t->len,
               (int64_t)byval, tt, cat, vec ? "array_subscript_handler" : "-",
               (int64_t)(t->oid == 22   ? 21
                         : t->oid == 30 ? 26
                                        : 0),
               (int64_t)t->array, in_, out_, recv, send, byval ? align : "i", byval ? "p" : "x", coll);
        if (t->array != 0) {
            char aname[72];
            snprintf(aname, sizeof(aname), "_%s", t->name);
            tb_row(&in, "itiiitttiitttttti", (int64_t)t->array, aname, (int64_t)super_oid, (int64_t)-1,
                   (int64_t)0, "b", "A", "array_subscript_handler", (int64_t)t->oid, (int64_t)0, "array_in",
                   "array_out", "array_recv", "array_send", t->len == 8 ? "d" : "i", "x", coll);
        }
    }
    tb_done(&in);

    /* functions */
    tb_prepare(&in,
               "INSERT INTO pg_catalog.pg_proc VALUES (?1, ?2, 11, ?3, 12, 1, 0, 0, '-', ?4, 0, 0, 0, 0, "
               "'s', 's', ?5, 0, ?6, ?7, NULL, NULL, NULL, NULL, NULL, ?2, NULL, NULL, NULL, NULL)");
    for (int i = 0; sl_pgcat_fns[i].name && in.rc == SL_OK; i++) {
        const sl_pgcat_fn *f = &sl_pgcat_fns[i];
        if (f->argtypes == NULL)
            continue;
        char key[128];
        snprintf(key, sizeof(key), "%s(%s)", f->name, f->argtypes);
        tb_row(&in, "ititiit", (int64_t)sl_pgcat_object_oid("proc", key), f->name, (int64_t)super_oid, "f",
               (int64_t)(f->nargs < 0 ? 0 : f->nargs), (int64_t)f->rettype, f->argtypes);
    }
    tb_row(&in, "ititiit", (int64_t)sl_pgcat_object_oid("proc", "array_agg(2283)"), "array_agg",
           (int64_t)super_oid, "a", (int64_t)1, (int64_t)2277, "2283");
    tb_row(&in, "ititiit", (int64_t)sl_pgcat_object_oid("proc", "string_agg(25 25)"), "string_agg",
           (int64_t)super_oid, "a", (int64_t)2, (int64_t)25, "25 25");
    tb_done(&in);

    /* the catalog's own relations, with their columns */
    {
        tb_ins att = {.db = db, .err = err, .rc = SL_OK};
        tb_prepare_rel(&in, &att);
        for (int r = 0; r < TB_NRELS; r++) {
            const char *c = tb_rels[r].cols;
            uint32_t oid = sl_pgcat_object_oid(tb_nsname(tb_rels[r].ns), tb_rels[r].name);
            int num = 0;
            if (strncmp(tb_rels[r].name, "pgcat_", 6) == 0)
                continue;
            while (*c) {
                const char *colon = strchr(c, ':');
                char name[64];
                snprintf(name, sizeof(name), "%.*s", (int)(colon - c), c);
                const char *decl = tb_decl(colon[1]);
                while (*decl && (*decl < '0' || *decl > '9'))
                    decl++;
                tb_attr(&att, oid, name, (uint32_t)strtoul(decl, NULL, 10), ++num);
                c = colon + 2;
                while (*c == ' ')
                    c++;
            }
            /* what PostgreSQL defines as views are views here too */
            bool view =
                tb_rels[r].ns == NS_INFO || strcmp(tb_rels[r].name, "pg_roles") == 0 ||
                strcmp(tb_rels[r].name, "pg_user") == 0 || strcmp(tb_rels[r].name, "pg_settings") == 0 ||
                strcmp(tb_rels[r].name, "pg_tables") == 0 || strcmp(tb_rels[r].name, "pg_views") == 0 ||
                strcmp(tb_rels[r].name, "pg_matviews") == 0;
            tb_class(&in, oid, tb_rels[r].name, tb_rels[r].ns, super_oid, view ? 'v' : 'r', num);
        }
        tb_done(&in);
        tb_done(&att);
        if (att.rc != SL_OK)
            in.rc = SL_ERROR;
    }
    if (in.rc != SL_OK || tb_info_columns(db, "n.nspname <> 'public'", err) != SL_OK)
        return SL_ERROR;
    return tb_exec(db, "COMMIT", err);
}

/* What changes: roles, settings, sources, sinks, queries and the views over them; replaced each time. */
static sl_status tb_build_dynamic(sqlite3 *db, sl_exec_ctx *ctx, sl_error *err)
{
    sl_mcxt *cx = ctx->stmt_cx;
    sl_list *roles = NULL, *sources = NULL, *sinks = NULL, *queries = NULL, *grants = NULL;
    const char *super = NULL;
    const uint32_t super_oid = BOOTSTRAP_OID;
    tb_ins in = {.db = db, .err = err, .rc = SL_OK};

    if (sl_pgcat_register(db, ctx, err) != SL_OK || sl_catalog_list_roles(cx, &roles, err) != SL_OK ||
        sl_catalog_list_sources(cx, &sources, err) != SL_OK ||
        sl_catalog_list_sinks(cx, &sinks, err) != SL_OK ||
        sl_catalog_list_queries(cx, &queries, err) != SL_OK ||
        sl_catalog_list_grants(cx, &grants, err) != SL_OK)
        return SL_ERROR;
    for (int i = 0; i < sl_list_length(roles) && super == NULL; i++) {
        const sl_cat_role *r = sl_list_nth(roles, i);
        if (r->superuser && r->login)
            super = r->name;
    }
    if (super == NULL)
        super = ctx->role ? ctx->role : "sluice";
    if (tb_exec(db,
                "BEGIN; DELETE FROM pg_catalog.pg_authid; DELETE FROM pg_catalog.pg_roles; "
                "DELETE FROM pg_catalog.pg_user; DELETE FROM pg_catalog.pg_auth_members; "
                "DELETE FROM pg_catalog.pg_settings; DELETE FROM pg_catalog.pgcat_access; "
                "DELETE FROM pg_catalog.pg_attribute WHERE attrelid IN (SELECT oid FROM pg_catalog.pg_class "
                "WHERE relnamespace = 2200); DELETE FROM pg_catalog.pg_class WHERE relnamespace = 2200; "
                "DELETE FROM pg_catalog.pg_tables; DELETE FROM pg_catalog.pg_views; "
                "DELETE FROM information_schema.schemata; DELETE FROM information_schema.tables; "
                "DELETE FROM information_schema.views; DELETE FROM pg_catalog.pg_foreign_table; "
                "DELETE FROM pg_catalog.pg_foreign_server; "
                "DELETE FROM information_schema.columns WHERE table_schema = 'public'",
                err) != SL_OK)
        return SL_ERROR;
    /* roles: never a verifier */
    tb_prepare(&in,
               "INSERT INTO pg_catalog.pg_authid VALUES (?1, ?2, ?3, 1, ?3, ?3, ?4, 0, ?3, -1, NULL, NULL)");
    for (int i = 0; i < sl_list_length(roles); i++) {
        const sl_cat_role *r = sl_list_nth(roles, i);
        tb_row(&in, "itii", (int64_t)tb_role_oid(super, r->name), r->name, (int64_t)r->superuser,
               (int64_t)r->login);
    }
    tb_row(&in, "itii", (int64_t)PG_DATABASE_OWNER, "pg_database_owner", (int64_t)0, (int64_t)0);
    tb_done(&in);
    if (in.rc != SL_OK ||
        tb_exec(db,
                "INSERT INTO pg_catalog.pg_roles SELECT rolname, rolsuper, rolinherit, rolcreaterole, "
                "rolcreatedb, "
                "rolcanlogin, rolreplication, rolconnlimit, '********', rolvaliduntil, rolbypassrls, NULL, "
                "oid FROM "
                "pg_catalog.pg_authid;"
                "INSERT INTO pg_catalog.pg_user SELECT rolname, oid, rolcreatedb, rolsuper, rolreplication, "
                "rolbypassrls, '********', rolvaliduntil, NULL FROM pg_catalog.pg_authid WHERE rolcanlogin",
                err) != SL_OK)
        return SL_ERROR;
    tb_prepare(&in, "INSERT INTO pg_catalog.pg_auth_members VALUES (?, ?, ?, 0)");
    for (int i = 0; i < sl_list_length(grants); i++) {
        const sl_cat_grant *g = sl_list_nth(grants, i);
        if (strcmp(g->kind, "role") == 0 && strcmp(g->privilege, "member") == 0)
            tb_row(&in, "iii", (int64_t)tb_role_oid(super, g->object),
                   (int64_t)tb_role_oid(super, g->grantee), (int64_t)super_oid);
    }
    tb_done(&in);

    /* settings */
    {
        tb_prepare(&in,
                   "INSERT INTO pg_catalog.pg_settings VALUES (?1, ?2, NULL, 'sluice', ?3, NULL, 'user', "
                   "'string', 'default', NULL, NULL, NULL, ?2, ?2, NULL, NULL, 0)");
        sl_settings_foreach(ctx->settings, cx, tb_setting, &in);
        tb_done(&in);
    }
    if (in.rc != SL_OK)
        return SL_ERROR;

    tb_prepare(&in,
               "INSERT INTO information_schema.schemata VALUES ('sluice', ?, ?, NULL, NULL, NULL, NULL)");
    tb_row(&in, "tt", "pg_catalog", super);
    tb_row(&in, "tt", "public", "pg_database_owner");
    tb_row(&in, "tt", "information_schema", super);
    tb_done(&in);
    /* sluice's relations */
    {
        tb_ins att = {.db = db, .err = err, .rc = SL_OK}, acc = {.db = db, .err = err, .rc = SL_OK};
        tb_ins fdw = {.db = db, .err = err, .rc = SL_OK}, srv = {.db = db, .err = err, .rc = SL_OK};
        tb_prepare_rel(&in, &att);
        tb_prepare(&acc, "INSERT INTO pg_catalog.pgcat_access VALUES (?, ?, ?)");
        tb_prepare(&fdw, "INSERT INTO pg_catalog.pg_foreign_table VALUES (?, ?, NULL)");
        tb_prepare(&srv,
                   "INSERT INTO pg_catalog.pg_foreign_server SELECT ?1, ?2, ?3, ?4, NULL, NULL, NULL, NULL "
                   "WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_server WHERE oid = ?1)");
        for (int i = 0; i < sl_list_length(sources); i++) {
            const sl_cat_source *s = sl_list_nth(sources, i);
            uint32_t oid = sl_pgcat_object_oid("source", s->name);
            const char *owner = tb_owner_name(s->owner, super);
            sl_error perr;
            tb_class(&in, oid, s->name, NS_PUBLIC, tb_role_oid(super, owner), 'r', s->ncolumns);
            for (int c = 0; c < s->ncolumns; c++)
                tb_attr(&att, oid, s->columns[c].name, tb_sluice_type(s->columns[c].type), c + 1);
            tb_row(&acc, "iin", (int64_t)oid,
                   (int64_t)(sl_priv_check_usage(ctx, "source", s->name, s->owner, &perr) == SL_OK));
        }
        for (int i = 0; i < sl_list_length(sinks); i++) {
            const sl_cat_sink *s = sl_list_nth(sinks, i);
            uint32_t oid = sl_pgcat_object_oid("sink", s->name);
            sl_error perr;
            tb_class(&in, oid, s->name, NS_PUBLIC, tb_role_oid(super, tb_owner_name(s->owner, super)), 'f',
                     0);
            tb_row(&acc, "iin", (int64_t)oid,
                   (int64_t)(sl_priv_check_usage(ctx, "sink", s->name, s->owner, &perr) == SL_OK));
            /* a foreign table's server is its sink kind (psql's \d shows it); no options */
            tb_row(&fdw, "ii", (int64_t)oid, (int64_t)sl_pgcat_object_oid("server", s->kind));
            tb_row(&srv, "itii", (int64_t)sl_pgcat_object_oid("server", s->kind), s->kind, (int64_t)super_oid,
                   (int64_t)SLUICE_FDW);
        }
        for (int i = 0; i < sl_list_length(queries); i++) {
            const sl_cat_query *q = sl_list_nth(queries, i);
            uint32_t oid = sl_pgcat_object_oid("query", q->name);
            bool mine = ctx->superuser || (q->owner && ctx->role && strcmp(q->owner, ctx->role) == 0);
            tb_class(&in, oid, q->name, NS_PUBLIC, tb_role_oid(super, tb_owner_name(q->owner, super)), 'v',
                     0);
            tb_row(&acc, "iit", (int64_t)oid, (int64_t)mine, mine ? q->sql : NULL);
        }
        tb_done(&in);
        tb_done(&att);
        tb_done(&acc);
        tb_done(&fdw);
        tb_done(&srv);
        if (att.rc != SL_OK || acc.rc != SL_OK || fdw.rc != SL_OK || srv.rc != SL_OK)
            in.rc = SL_ERROR;
    }
    if (in.rc != SL_OK)
        return SL_ERROR;

    if (in.rc != SL_OK)
        return SL_ERROR;
    if (tb_exec(
            db,
            "INSERT INTO pg_catalog.pg_tables SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner), "
            "NULL, 0, "
            "0, 0, 0 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE "
            "c.relkind = 'r';"
            "INSERT INTO pg_catalog.pg_views SELECT 'public', c.relname, pg_get_userbyid(c.relowner), a.def "
            "FROM "
            "pg_catalog.pg_class c JOIN pg_catalog.pgcat_access a ON a.oid = c.oid WHERE c.relkind = 'v';"
            "INSERT INTO information_schema.tables SELECT 'sluice', n.nspname, c.relname, CASE c.relkind "
            "WHEN "
            "'r' THEN 'BASE TABLE' WHEN 'v' THEN 'VIEW' ELSE 'FOREIGN' END, NULL, NULL, NULL, NULL, NULL, "
            "'NO', "
            "'NO', NULL FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;"
            "INSERT INTO information_schema.views SELECT 'sluice', 'public', viewname, definition, 'NONE', "
            "'NO', "
            "'NO', 'NO', 'NO', 'NO' FROM pg_catalog.pg_views;"
            "COMMIT",
            err) != SL_OK ||
        tb_info_columns(db, "n.nspname = 'public'", err) != SL_OK)
        return SL_ERROR;
    return SL_OK;
}

/* The session thread's catalog database, closed when the thread ends. */
static pthread_key_t tb_key;
static pthread_once_t tb_key_once = PTHREAD_ONCE_INIT;

static void tb_key_close(void *db)
{
    sqlite3_close(db);
}

static void tb_key_make(void)
{
    (void)pthread_key_create(&tb_key, tb_key_close);
}

sl_status sl_pgcat_build(sl_exec_ctx *ctx, bool rows, sqlite3 **out, sl_error *err)
{
    sqlite3 *db;

    *out = NULL;
    pthread_once(&tb_key_once, tb_key_make);
    db = pthread_getspecific(tb_key);
    if (db == NULL) {
        if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK) {
            sqlite3_close(db);
            return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "catalog database: cannot open");
        }
        if (tb_build_static(db, ctx, err) != SL_OK) {
            sqlite3_close(db);
            return SL_ERROR;
        }
        pthread_setspecific(tb_key, db);
    }
    /* the last statement's guard goes while the catalog's rows are replaced */
    sqlite3_set_authorizer(db, NULL, NULL);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    if (!rows) {
        /* preparing needs the tables, not fresh rows; but the functions are this statement's */
        if (sl_pgcat_register(db, ctx, err) != SL_OK) {
            sl_pgcat_release(db, true);
            return SL_ERROR;
        }
        *out = db;
        return SL_OK;
    }
    if (tb_build_dynamic(db, ctx, err) != SL_OK) {
        sl_pgcat_release(db, true);
        return SL_ERROR;
    }
    *out = db;
    return SL_OK;
}

void sl_pgcat_release(sqlite3 *db, bool broken)
{
    if (db == NULL || !broken)
        return;
    /* after a failure the database may hold half a refresh: the next build starts afresh */
    if (pthread_getspecific(tb_key) == db)
        pthread_setspecific(tb_key, NULL);
    sqlite3_close(db);
}
