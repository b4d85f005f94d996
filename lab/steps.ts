// The course's exercise « Persister les données de Redis » and « Observer la persistence », as
// the lab walks it: fixed ids, in order, each with what to do and why, in the course's words
// (French, the course's language) and in English.

export const STEP_IDS = ["deploy", "delete-workloads", "delete-everything", "retain", "recover", "configmap"] as const;
export type StepId = typeof STEP_IDS[number];
export type Lang = "fr" | "en";
export const LANGS: readonly Lang[] = ["fr", "en"];

export interface StepText {
    title: string;
    /** What to type, in order; NS is replaced by the stack's namespace. */
    todo: string[];
    /** Why, as the course says it. */
    why: string;
}

export const STEPS: Record<StepId, Record<Lang, StepText>> = {
    "deploy": {
        fr: {
            title: "Installer l'application et la visiter",
            todo: ["pulumi up", "ouvrez l'URL que `npm start` a affichée (ailleurs : `pulumi stack output frontendUrl`) et rechargez la page"],
            why: "Le compteur de visites est gardé par Redis, dont les données sont sur le volume du PVC redis-data monté en /data.",
        },
        en: {
            title: "Deploy the app and visit it",
            todo: ["pulumi up", "open the URL `npm start` printed (elsewhere: `pulumi stack output frontendUrl`) and reload the page"],
            why: "Redis keeps the visit counter, its data on the volume of the claim redis-data mounted at /data.",
        },
    },
    "delete-workloads": {
        fr: {
            title: "Supprimer uniquement les trois déploiements, puis redéployer",
            todo: ["kubectl delete -n NS statefulset/redis deployment/frontend deployment/imagebackend", "pulumi up", "rechargez la page"],
            why: "Le PVC n'a pas été touché : en rechargeant le site on constate que les données ont été conservées (nombre de visites conservé).",
        },
        en: {
            title: "Delete only the three workloads, then deploy again",
            todo: ["kubectl delete -n NS statefulset/redis deployment/frontend deployment/imagebackend", "pulumi up", "reload the page"],
            why: "The claim was not touched: reloading the page shows the data was kept (the visit count carries on).",
        },
    },
    "delete-everything": {
        fr: {
            title: "Supprimer tout, avec reclaimPolicy Delete",
            todo: ["pulumi config set reclaimPolicy Delete", "pulumi destroy", "pulumi up", "rechargez la page"],
            why: "Les PersistentVolumes générés par le PVC et la StorageClass sont supprimés en même temps que les PVCs : les données sont perdues, le nombre de visites retombe.",
        },
        en: {
            title: "Delete everything, with reclaimPolicy Delete",
            todo: ["pulumi config set reclaimPolicy Delete", "pulumi destroy", "pulumi up", "reload the page"],
            why: "The volumes the claim and the StorageClass made are deleted with the claims: the data is lost and the visit count starts again.",
        },
    },
    "retain": {
        fr: {
            title: "Passer la Reclaim Policy à Retain",
            todo: ["pulumi config set reclaimPolicy Retain", "pulumi preview --diff", "pulumi up"],
            why: "Avec Retain (conserver) et non Delete, le volume survit à son PVC. `preview --diff` montre deux mises à jour en place : l'annotation du PVC et persistentVolumeReclaimPolicy du volume, rien de remplacé.",
        },
        en: {
            title: "Set the reclaim policy to Retain",
            todo: ["pulumi config set reclaimPolicy Retain", "pulumi preview --diff", "pulumi up"],
            why: "With Retain instead of Delete the volume outlives its claim. `preview --diff` shows two in-place updates: the claim's annotation and the volume's persistentVolumeReclaimPolicy, nothing replaced.",
        },
    },
    "recover": {
        fr: {
            title: "Supprimer tout, puis récupérer les données",
            todo: ["pulumi destroy", "kubectl get pv   # le volume est Released, ses données conservées", "pulumi up", "rechargez la page"],
            why: "Les volumes sont conservés ; ils ne se reconnectent pas seuls à un PVC, mais le programme rattache le volume retenu de la pile : le compteur reprend.",
        },
        en: {
            title: "Delete everything, then get the data back",
            todo: ["pulumi destroy", "kubectl get pv   # the volume is Released, its data kept", "pulumi up", "reload the page"],
            why: "Volumes are kept; they do not bind to a claim again by themselves, but the program attaches the stack's retained volume again: the counter carries on.",
        },
    },
    "configmap": {
        fr: {
            title: "Générer les variables d'environnement du frontend avec une ConfigMap",
            todo: ["pulumi config set context PROD", "pulumi up", "rechargez la page : CONTEXT: PROD"],
            why: "La ConfigMap frontend-config porte CONTEXT, REDIS_DOMAIN et IMAGEBACKEND_DOMAIN ; le frontend les lit avec valueFrom.configMapKeyRef.",
        },
        en: {
            title: "The frontend's environment from a ConfigMap",
            todo: ["pulumi config set context PROD", "pulumi up", "reload the page: CONTEXT: PROD"],
            why: "The ConfigMap frontend-config holds CONTEXT, REDIS_DOMAIN and IMAGEBACKEND_DOMAIN; the frontend reads them with valueFrom.configMapKeyRef.",
        },
    },
};
