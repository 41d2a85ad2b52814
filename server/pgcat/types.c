/*
 * types.c - PostgreSQL's builtin types (OIDs, names, arrays, I/O functions,
 * SQL spellings) and the OIDs of sluice's objects: the data that the
 * translator, the functions and the tables of server/pgcat/ all read.
 *
 * Entry points: sl_pgcat_types, sl_pgcat_type_by_oid, sl_pgcat_type_by_name,
 * sl_pgcat_object_oid.
 */
#include <string.h>

#include "server/pgcat/pgcat_int.h"

/* PostgreSQL's builtin types: oid, name, array, len, typtype, category, I/O stem, SQL name. */
static const sl_pgcat_type tb_types[] = {
    {16, "bool", 1000, 1, 'b', 'B', "bool", "boolean"},
    {17, "bytea", 1001, -1, 'b', 'U', "bytea", NULL},
    {18, "char", 1002, 1, 'b', 'Z', "char", "\"char\""},
    {19, "name", 1003, 64, 'b', 'S', "name", NULL},
    {20, "int8", 1016, 8, 'b', 'N', "int8", "bigint"},
    {21, "int2", 1005, 2, 'b', 'N', "int2", "smallint"},
    {22, "int2vector", 1006, -1, 'b', 'A', "int2vector", NULL},
    {23, "int4", 1007, 4, 'b', 'N', "int4", "integer"},
    {24, "regproc", 1008, 4, 'b', 'N', "regproc", NULL},
    {25, "text", 1009, -1, 'b', 'S', "text", NULL},
    {26, "oid", 1028, 4, 'b', 'N', "oid", NULL},
    {27, "tid", 1010, 6, 'b', 'U', "tid", NULL},
    {28, "xid", 1011, 4, 'b', 'U', "xid", NULL},
    {29, "cid", 1012, 4, 'b', 'U', "cid", NULL},
    {30, "oidvector", 1013, -1, 'b', 'A', "oidvector", NULL},
    {114, "json", 199, -1, 'b', 'U', "json_", NULL},
    {142, "xml", 143, -1, 'b', 'U', "xml_", NULL},
    {194, "pg_node_tree", 0, -1, 'b', 'Z', "pg_node_tree_", NULL},
    {600, "point", 1017, 16, 'b', 'G', "point_", NULL},
    {650, "cidr", 651, -1, 'b', 'I', "cidr_", NULL},
    {700, "float4", 1021, 4, 'b', 'N', "float4", "real"},
    {701, "float8", 1022, 8, 'b', 'N', "float8", "double precision"},
    {705, "unknown", 0, -2, 'p', 'X', "unknown", NULL},
    {790, "money", 791, 8, 'b', 'N', "cash_", NULL},
    {829, "macaddr", 1040, 6, 'b', 'U', "macaddr_", NULL},
    {869, "inet", 1041, -1, 'b', 'I', "inet_", NULL},
    {1033, "aclitem", 1034, 12, 'b', 'U', "aclitem", NULL},
    {1042, "bpchar", 1014, -1, 'b', 'S', "bpchar", "character"},
    {1043, "varchar", 1015, -1, 'b', 'S', "varchar", "character varying"},
    {1082, "date", 1182, 4, 'b', 'D', "date_", NULL},
    {1083, "time", 1183, 8, 'b', 'D', "time_", "time without time zone"},
    {1114, "timestamp", 1115, 8, 'b', 'D', "timestamp_", "timestamp without time zone"},
    {1184, "timestamptz", 1185, 8, 'b', 'D', "timestamptz_", "timestamp with time zone"},
    {1186, "interval", 1187, 16, 'b', 'T', "interval_", NULL},
    {1266, "timetz", 1270, 12, 'b', 'D', "timetz_", "time with time zone"},
    {1560, "bit", 1561, -1, 'b', 'V', "bit_", NULL},
    {1562, "varbit", 1563, -1, 'b', 'V', "varbit_", "bit varying"},
    {1700, "numeric", 1231, -1, 'b', 'N', "numeric_", NULL},
    {2202, "regprocedure", 2207, 4, 'b', 'N', "regprocedure", NULL},
    {2205, "regclass", 2210, 4, 'b', 'N', "regclass", NULL},
    {2206, "regtype", 2211, 4, 'b', 'N', "regtype", NULL},
    {2249, "record", 2287, -1, 'p', 'P', "record_", NULL},
    {2275, "cstring", 1263, -2, 'p', 'P', "cstring_", NULL},
    {2276, "any", 0, 4, 'p', 'P', "any_", NULL},
    {2277, "anyarray", 0, -1, 'p', 'P', "anyarray_", NULL},
    {2278, "void", 0, 4, 'p', 'P', "void_", NULL},
    {2279, "trigger", 0, 4, 'p', 'P', "trigger_", NULL},
    {2281, "internal", 0, 8, 'p', 'P', "internal_", NULL},
    {2283, "anyelement", 0, 4, 'p', 'P', "anyelement_", NULL},
    {2950, "uuid", 2951, 16, 'b', 'U', "uuid_", NULL},
    {3802, "jsonb", 3807, -1, 'b', 'U', "jsonb_", NULL},
    {4072, "jsonpath", 4073, -1, 'b', 'U', "jsonpath_", NULL},
    {4089, "regnamespace", 4090, 4, 'b', 'N', "regnamespace", NULL},
    {4096, "regrole", 4097, 4, 'b', 'N', "regrole", NULL},
};
#define TB_NTYPES ((int)(sizeof(tb_types) / sizeof(tb_types[0])))

const sl_pgcat_type *sl_pgcat_types(int *n)
{
    *n = TB_NTYPES;
    return tb_types;
}

const sl_pgcat_type *sl_pgcat_type_by_oid(uint32_t oid, uint32_t *elem)
{
    *elem = 0;
    for (int i = 0; i < TB_NTYPES; i++) {
        if (tb_types[i].oid == oid)
            return &tb_types[i];
        if (tb_types[i].array == oid) {
            *elem = tb_types[i].oid;
            return &tb_types[i];
        }
    }
    return NULL;
}

uint32_t sl_pgcat_object_oid(const char *what, const char *name)
{
    uint32_t h = 2166136261u;
    for (const char *s = what; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    h = (h ^ ':') * 16777619u;
    for (const char *s = name; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return 16384u + h % (2147483647u - 16384u);
}

static const struct {
    const char *name;
    uint32_t oid;
} tr_types[] = {
    {"bool", 16},
    {"boolean", 16},
    {"bytea", 17},
    {"char", 18},
    {"name", 19},
    {"int8", 20},
    {"bigint", 20},
    {"int2", 21},
    {"smallint", 21},
    {"int2vector", 22},
    {"int4", 23},
    {"int", 23},
    {"integer", 23},
    {"regproc", 24},
    {"text", 25},
    {"oid", 26},
    {"oidvector", 30},
    {"json", 114},
    {"xml", 142},
    {"float4", 700},
    {"real", 700},
    {"float8", 701},
    {"float", 701},
    {"double precision", 701},
    {"unknown", 705},
    {"bpchar", 1042},
    {"character", 1042},
    {"varchar", 1043},
    {"character varying", 1043},
    {"date", 1082},
    {"time", 1083},
    {"timestamp", 1114},
    {"timestamptz", 1184},
    {"interval", 1186},
    {"numeric", 1700},
    {"decimal", 1700},
    {"regprocedure", 2202},
    {"regoper", 2203},
    {"regclass", 2205},
    {"regtype", 2206},
    {"uuid", 2950},
    {"jsonb", 3802},
    {"regnamespace", 4089},
    {"regrole", 4096},
    {"record", 2249},
    {"cstring", 2275},
    {"void", 2278},
};

uint32_t sl_pgcat_type_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(tr_types) / sizeof(tr_types[0]); i++)
        if (strcmp(tr_types[i].name, name) == 0)
            return tr_types[i].oid;
    return 0;
}
